package config

import "github.com/policywatch/policywatch/monitor"

// builtinWatch is a watch of the built-in list and the comment WriteYAML
// puts above it.
type builtinWatch struct {
	about string
	watch monitor.Watch
}

// builtins returns the pages policywatch watches when there is no
// configuration file: Meta's policies on data collection and on training AI
// models, across its products. Images and SVG carry no policy text, only
// markup churn, so they are removed everywhere.
func builtins() []builtinWatch {
	noImages := []string{"img", "svg"}
	return []builtinWatch{
		{"Meta Privacy Policy, printable version (server-rendered).", monitor.Watch{
			Name: "meta-privacy-policy", URL: "https://mbasic.facebook.com/privacy/policy/printable/",
			Select: []string{"#root"}, Remove: noImages, Language: "en-US",
		}},
		{"Meta Privacy Policy in French.", monitor.Watch{
			Name: "meta-privacy-policy-fr", URL: "https://mbasic.facebook.com/privacy/policy/printable/?locale=fr_FR",
			Select: []string{"#root"}, Remove: noImages, Language: "fr-FR",
		}},
		{"How Meta uses information for generative AI models.", monitor.Watch{
			Name: "meta-genai", URL: "https://www.facebook.com/privacy/genai/?locale=en_US",
			Remove: noImages, Language: "en-US",
		}},
		{"Instagram Privacy Policy (a React page).", monitor.Watch{
			Name: "instagram-privacy", URL: "https://privacycenter.instagram.com/policy",
			Remove: noImages, Language: "en-US",
		}},
		{"How Instagram uses information for generative AI models.", monitor.Watch{
			Name: "instagram-genai", URL: "https://privacycenter.instagram.com/privacy/genai/",
			Remove: noImages, Language: "en-US",
		}},
		{"Threads Supplemental Privacy Policy (Instagram Help Center).", monitor.Watch{
			Name: "threads-privacy", URL: "https://help.instagram.com/515230437301944",
			Remove: noImages, Language: "en-US",
		}},
		{"WhatsApp Privacy Policy for the European Region.", monitor.Watch{
			Name: "whatsapp-privacy-eea", URL: "https://www.whatsapp.com/legal/privacy-policy-eea?lang=en",
			Select: []string{"#content-wrapper"}, Remove: noImages, Language: "en-US",
		}},
		{"Meta AI Terms of Service for the European Union.", monitor.Watch{
			Name: "meta-ai-terms-eu", URL: "https://www.facebook.com/legal/eu-ai-terms",
			Remove: noImages, Language: "en-US",
		}},
	}
}
