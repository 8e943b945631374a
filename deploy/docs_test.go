package deploy_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var mdLink = regexp.MustCompile(`\]\(([^)\s#]+)(#[^)]*)?\)`)

// Every relative link in the README and docs/ names a file that exists, and
// the README stays short: depth goes in docs/.
func TestDocsLinksResolve(t *testing.T) {
	files, _ := filepath.Glob("../docs/*.md")
	files = append(files, "../README.md")
	for _, f := range files {
		b := readFile(t, f)
		for _, m := range mdLink.FindAllStringSubmatch(string(b), -1) {
			link := m[1]
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(f), link)); err != nil {
				t.Errorf("%s links to %s, which does not exist", f, link)
			}
		}
	}
	if n := strings.Count(string(readFile(t, "../README.md")), "\n"); n > 250 {
		t.Errorf("README.md has %d lines; keep it under 250 and put depth in docs/", n)
	}
}
