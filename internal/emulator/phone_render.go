package emulator

import "regexp"

var contentPlaceholder = regexp.MustCompile(`\{\{\s*([0-9]+)\s*\}\}`)

// renderContent is the text a phone shows for a Content API send: the
// template's body with the sent variables (the template's sample value
// when one is missing). "" when the emulator does not know the content.
func (e *Emulator) renderContent(sid string, vars map[string]string) string {
	if sid == "" {
		return ""
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, list := range e.contents {
		for _, c := range list {
			if c.SID != sid {
				continue
			}
			return contentPlaceholder.ReplaceAllStringFunc(c.Body, func(m string) string {
				n := contentPlaceholder.FindStringSubmatch(m)[1]
				if v, ok := vars[n]; ok {
					return v
				}
				if v, ok := c.Variables[n]; ok {
					return v
				}
				return m
			})
		}
	}
	return ""
}
