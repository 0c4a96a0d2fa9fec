package notify

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/policywatch/policywatch/monitor"
)

// The templates are parsed once; html/template escapes every value by its
// context, so scraped text can never become markup, and it refuses
// non-http(s) URLs in href attributes on top of extract.IsWebURL.
//
//go:embed templates
var templateFiles embed.FS

// templates holds the parsed templates of one Service.
type templates struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

var htmlFuncs = htmltemplate.FuncMap{
	"severityStyle": func(s monitor.Severity) htmltemplate.CSS {
		switch s {
		case monitor.SeverityCritical:
			return "color:#fff;background:#b00020;padding:0 4px;border-radius:3px"
		case monitor.SeverityNotable:
			return "color:#000;background:#ffd54f;padding:0 4px;border-radius:3px"
		}
		return "color:#333;background:#e0e0e0;padding:0 4px;border-radius:3px"
	},
	"excerptStyle": func(sign string) htmltemplate.CSS {
		switch sign {
		case "+":
			return "background:#e6ffed"
		case "−":
			return "background:#ffeef0"
		}
		return "color:#666"
	},
	// markStyle is the style of the changed words of an excerpt line: a
	// stronger background than the line's, and bold with a strike (removed)
	// or an underline (added) where colours are not shown.
	"markStyle": func(mark string) htmltemplate.CSS {
		switch mark {
		case "ins":
			return "background:#acf2bd;font-weight:bold;text-decoration:underline"
		case "del":
			return "background:#fdb8c0;font-weight:bold;text-decoration:line-through"
		}
		return ""
	},
}

// parseTemplates parses each page with the shared definitions it uses.
func parseTemplates() (*templates, error) {
	t := &templates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, name := range []string{"alert", "digest", "operator", "operators"} {
		tt, err := texttemplate.ParseFS(templateFiles, "templates/"+name+".txt", "templates/change.txt", "templates/footer.txt",
			"templates/operator_notice.txt")
		if err != nil {
			return nil, err
		}
		t.text[name] = tt
	}
	for _, name := range []string{"alert", "digest", "operator", "operators", "feed_entry", "unsubscribe"} {
		ht, err := htmltemplate.New(name+".html").Funcs(htmlFuncs).
			ParseFS(templateFiles, "templates/"+name+".html", "templates/change.html", "templates/footer.html",
				"templates/operator_notice.html")
		if err != nil {
			return nil, err
		}
		t.html[name] = ht
	}
	return t, nil
}

// render executes the text and HTML templates of name with data.
func (t *templates) render(name string, data any) (text, html string, err error) {
	var tb, hb bytes.Buffer
	if err := t.text[name].Execute(&tb, data); err != nil {
		return "", "", err
	}
	if err := t.html[name].Execute(&hb, data); err != nil {
		return "", "", err
	}
	return strings.TrimSpace(tb.String()) + "\n", hb.String(), nil
}

func (t *templates) renderHTML(name string, data any) (string, error) {
	var b bytes.Buffer
	if err := t.html[name].Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}
