// Package pdftest reads PDFs back for tests, the way a person would see
// them: pages rendered to pictures with pdftoppm, text extracted with
// pdftotext (both from poppler-utils). It is used by tests only.
package pdftest

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Poppler runs the poppler tools.
type Poppler struct{ pdftoppm, pdftotext string }

var (
	once  sync.Once
	tools Poppler
	err   error
	log   string
)

// Tools finds pdftoppm and pdftotext on PATH, running the project's
// .ci/poppler.sh (which installs poppler-utils with apt-get) when they are
// missing. Where they cannot be had the test is skipped, with the reason;
// on CI (CI=true) it fails instead, so that a missing install step never
// passes for a green run.
func Tools(tb testing.TB) Poppler {
	tb.Helper()
	once.Do(func() { tools, err = find() })
	if err != nil {
		msg := fmt.Sprintf("pdftoppm and pdftotext (Debian's poppler-utils) are needed to read the PDF back: %v\n%s", err, log)
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s", msg)
		}
		tb.Skipf("%s(skipping; run .ci/poppler.sh or install poppler-utils)", msg)
	}
	return tools
}

func find() (Poppler, error) {
	look := func() (Poppler, error) {
		a, err := exec.LookPath("pdftoppm")
		if err != nil {
			return Poppler{}, err
		}
		b, err := exec.LookPath("pdftotext")
		return Poppler{pdftoppm: a, pdftotext: b}, err
	}
	if p, err := look(); err == nil {
		return p, nil
	}
	script, err := findScript()
	if err != nil {
		return Poppler{}, err
	}
	out, err := exec.Command("bash", script).CombinedOutput()
	log = string(out)
	if err != nil {
		return Poppler{}, fmt.Errorf("%s: %w", script, err)
	}
	return look()
}

// findScript finds .ci/poppler.sh in the module's root, above the test's
// package folder.
func findScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, ".ci", "poppler.sh")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not on PATH, and no .ci/poppler.sh above the test's folder to install them")
		}
		dir = parent
	}
}

// Pages renders every page of pdf at dpi dots per inch.
func (p Poppler) Pages(tb testing.TB, pdf []byte, dpi int) []image.Image {
	tb.Helper()
	dir := tb.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		tb.Fatal(err)
	}
	if out, err := exec.Command(p.pdftoppm, "-png", "-r", fmt.Sprint(dpi), in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		tb.Fatalf("pdftoppm cannot render the PDF: %v\n%s", err, out)
	}
	names, err := filepath.Glob(filepath.Join(dir, "page-*.png"))
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(names) // page-1.png, page-2.png: fewer than 10 pages
	var pages []image.Image
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil {
			tb.Fatalf("%s: %v", filepath.Base(name), err)
		}
		pages = append(pages, img)
	}
	if len(pages) == 0 {
		tb.Fatalf("pdftoppm rendered no page")
	}
	return pages
}

// Text extracts the text of pdf, in reading order.
func (p Poppler) Text(tb testing.TB, pdf []byte) string {
	tb.Helper()
	in := filepath.Join(tb.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(p.pdftotext, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		tb.Fatalf("pdftotext cannot read the PDF: %v", err)
	}
	return string(out)
}

// CheckLandscapeA4 checks that every page is landscape A4 (297 × 210 mm,
// a ratio of √2, within a pixel of rounding) and is not blank: its pixels
// vary, a fair share of them not white, most of them not ink.
func CheckLandscapeA4(tb testing.TB, pages []image.Image) {
	tb.Helper()
	for i, pg := range pages {
		b := pg.Bounds()
		w, h := float64(b.Dx()), float64(b.Dy())
		if want := 297.0 / 210.0; math.Abs(w/h-want) > 2/h {
			tb.Errorf("page %d is %v×%v px, a ratio of %.3f; landscape A4 is %.3f", i+1, w, h, w/h, want)
		}
		if ink := Ink(pg); ink < 0.02 || ink > 0.9 {
			tb.Errorf("page %d looks blank: %.2f%% of its pixels are not white", i+1, 100*ink)
		}
	}
}

// Ink is the share of pixels of img that are not (nearly) white.
func Ink(img image.Image) float64 {
	b := img.Bounds()
	inked := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				inked++
			}
		}
	}
	return float64(inked) / float64(b.Dx()*b.Dy())
}

// Words folds text for searching: runs of spaces of any kind (pdftotext
// keeps no-break spaces, and breaks lines where the PDF does) become one
// space.
func Words(text string) string {
	return strings.Join(strings.FieldsFunc(text, func(r rune) bool {
		return r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == '\u00a0' || r == '\u202f'
	}), " ")
}
