package prompts

import (
	"regexp"
	"strings"
)

// French typography wants a no-break space before a colon and a narrow
// no-break space before ; ? and ! (so a line never starts with one), and
// no-break spaces inside « » and between a number and its unit. The French
// catalog is written with plain spaces, as people type; Load sets these at
// load time, outside code spans (a command stays as it is typed).
const (
	nbsp       = "\u00a0"
	narrowNbsp = "\u202f"
)

var frenchRules = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`[ \t]+([;?!])`), narrowNbsp + "$1"},
	{regexp.MustCompile(`([\p{L}\p{N}}\)”»*_])([;?!])(\s|$|\*|_)`), "$1" + narrowNbsp + "$2$3"},
	{regexp.MustCompile(`[ \t]+:`), nbsp + ":"},
	{regexp.MustCompile(`([\p{L}\p{N}}\)”»*_]):(\s|$)`), "$1" + nbsp + ":$2"},
	{regexp.MustCompile(`«[ \t]*`), "«" + nbsp},
	{regexp.MustCompile(`[ \t]*»`), nbsp + "»"},
	{regexp.MustCompile(`([\p{N}}]) (h|min|%|Ko|Mo)\b`), "$1" + nbsp + "$2"},
	{regexp.MustCompile(nbsp + `h ([\p{N}{])`), nbsp + "h" + nbsp + "$1"},
	{regexp.MustCompile(`n° `), "n°" + nbsp},
}

// frenchTypography sets French no-break spaces in a template, outside its
// code spans.
func frenchTypography(s string) string {
	parts := strings.Split(s, "`")
	for i := 0; i < len(parts); i += 2 { // even parts are outside code
		for _, r := range frenchRules {
			parts[i] = r.re.ReplaceAllString(parts[i], r.with)
		}
	}
	return strings.Join(parts, "`")
}

// typography is the load-time pass for lang, if it has one.
var typography = map[string]func(string) string{"fr": frenchTypography}
