package analyze

import "encoding/json"

// Use is, for a start date (RoleStart), the id of the purpose whose use it
// starts, as DateChange.Use is for a change of it ("ai_training"); ""
// when its statement and the one before name none, and for a date of
// another role. The web view and `policywatch facts` name it ("AI
// training starts 27 May 2025"), as messages name a change of it.
func (d DateFact) Use() string { return d.use }

// dateFactFields are DateFact's exported fields, encoded as
// encoding/json does by default.
type dateFactFields DateFact

// dateFactJSON is DateFact's JSON: its fields and "use", absent when "".
type dateFactJSON struct {
	dateFactFields
	Use string `json:"use,omitempty"`
}

// MarshalJSON writes the date with its use ("use", absent when none):
// `policywatch facts --json` and the web view's /api/versions say what a
// start date starts, as `events --json` says it of a change.
func (d DateFact) MarshalJSON() ([]byte, error) {
	return json.Marshal(dateFactJSON{dateFactFields: dateFactFields(d), Use: d.use})
}

// UnmarshalJSON reads what MarshalJSON writes, its use included.
func (d *DateFact) UnmarshalJSON(data []byte) error {
	var j dateFactJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*d = DateFact(j.dateFactFields)
	d.use = j.Use
	return nil
}
