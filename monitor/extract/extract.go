// Package extract turns an HTML page into the readable text a person sees.
// It is a leaf: it imports nothing of policywatch.
package extract

// Link is a link kept beside the readable text.
type Link struct {
	Text string `json:"text"`
	Href string `json:"href"` // normalised: redirectors unwrapped, tracking parameters dropped
}
