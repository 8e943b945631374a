package oauth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"time"

	"golang.org/x/text/language"

	"github.com/journeybot/journeybot/internal/install"
	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/prompts"
)

// css is the pages' whole style sheet, inline (no outside assets); the
// Content-Security-Policy allows exactly this text by its hash.
const css = `
body{margin:0;background:#f4ede4;color:#1d1c1d;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:36rem;margin:3rem auto;padding:2rem 2.25rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.12)}
main.error{border-top:6px solid #c0392b}
main.ok{border-top:6px solid #2eb67d}
main.info{border-top:6px solid #1f4fbf}
h1{margin:0 0 1rem;font-size:1.6rem;line-height:1.25}
p,ol,ul{margin:0 0 1rem}
li{margin:.25rem 0}
code{padding:.1em .35em;border-radius:4px;background:#f1f1f3;font:.9em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
ul.scopes{columns:2;padding-left:1.25rem}
.note{color:#616061;font-size:.9rem}
a{color:#1264a3}
a.button{display:inline-block;padding:.75rem 1.5rem;border:1px solid #ccc;border-radius:8px;background:#fff;color:#1d1c1d;font-weight:700;font-size:1.05rem;text-decoration:none;box-shadow:0 1px 2px rgba(0,0,0,.1)}
a.button:hover,a.button:focus{border-color:#888;background:#f8f8f8}
`

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>{{.Title}}</title>
<style>` + css + `</style>
</head>
<body>
<main class="{{.Class}}">
<h1>{{.Heading}}</h1>
{{range .Paras}}<p>{{.}}</p>
{{end}}{{if .Scopes}}<p>{{.ScopesIntro}}</p>
<ul class="scopes">{{range .Scopes}}<li><code>{{.}}</code></li>{{end}}</ul>
{{end}}{{if .Steps}}<ol>{{range .Steps}}<li>{{.}}</li>{{end}}</ol>
{{end}}{{with .Button}}<p><a class="button" href="{{.URL}}">{{.Label}}</a></p>
{{end}}{{with .Note}}<p class="note">{{.}}</p>
{{end}}{{with .Link}}<p><a href="{{.URL}}">{{.Label}}</a></p>
{{end}}</main>
</body>
</html>
`))

// csp allows nothing but the inline style sheet: no scripts, no images,
// no frames, no forms, and no framing of the pages by anyone.
var csp = func() string {
	sum := sha256.Sum256([]byte(css))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

type link struct {
	URL   string
	Label string
}

// view is one page. Paras, Steps and Note are catalog sentences rendered
// to HTML by html (every piece of text escaped).
type view struct {
	Lang, Title, Heading string
	// Class is ok, error or info: the colour of the page's top edge.
	Class       string
	Paras       []template.HTML
	ScopesIntro template.HTML
	Scopes      []string
	Steps       []template.HTML
	Button      *link
	Note        template.HTML
	Link        *link
}

// htmlSyntax writes the catalog's rich text as HTML: every piece of text,
// placeholders' values included, is escaped; only the style markers are
// markup.
var htmlSyntax = rich.Syntax{
	Open:   map[rich.Style]string{rich.Strong: "<strong>", rich.Emphasis: "<em>", rich.Code: "<code>"},
	Close:  map[rich.Style]string{rich.Strong: "</strong>", rich.Emphasis: "</em>", rich.Code: "</code>"},
	Escape: func(s string, _ bool) string { return template.HTMLEscapeString(s) },
}

// html renders a catalog sentence as HTML. The conversion to
// template.HTML is safe: htmlSyntax escapes every piece of text, and adds
// only its own constant tags.
func (h *Handler) html(lang, key string, args ...any) template.HTML {
	return template.HTML(rich.Render(h.cfg.Catalog.Text(lang, key, args...), htmlSyntax))
}

func (h *Handler) t(lang, key string, args ...any) string {
	return h.cfg.Catalog.T(lang, key, args...)
}

// langOf picks the page's language from Accept-Language: the first
// language, by preference, that the catalog has; English otherwise.
func langOf(r *http.Request) string {
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil {
		return prompts.Languages[0]
	}
	for _, tag := range tags {
		base, _ := tag.Base()
		if slices.Contains(prompts.Languages, base.String()) {
			return base.String()
		}
	}
	return prompts.Languages[0]
}

// write sends a page with the headers every page of the flow carries: not
// cached (it holds a one-use state), no referrer (the redirect's address
// holds the code and the state), a strict Content-Security-Policy.
func (h *Handler) write(w http.ResponseWriter, status int, v view) {
	var buf bytes.Buffer
	if err := page.Execute(&buf, v); err != nil {
		h.log.Error("oauth: cannot render a page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Content-Security-Policy", csp)
	hd.Add("Vary", "Accept-Language")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// minutes is the state's lifetime as the pages say it.
func (h *Handler) minutes() int {
	return max(1, int(h.cfg.StateTTL.Round(time.Minute)/time.Minute))
}

func (h *Handler) installPage(lang, authorize string) view {
	return view{
		Lang: lang, Class: "info",
		Title:       h.t(lang, "oauth.install_title"),
		Heading:     h.t(lang, "oauth.install_heading"),
		Paras:       []template.HTML{h.html(lang, "oauth.install_intro")},
		ScopesIntro: h.html(lang, "oauth.install_scopes"),
		Scopes:      h.cfg.Scopes,
		Button:      &link{URL: authorize, Label: h.t(lang, "oauth.install_button")},
		Note:        h.html(lang, "oauth.install_note", "count", h.minutes()),
	}
}

func (h *Handler) again(lang string) *link {
	return &link{URL: InstallPath, Label: h.t(lang, "oauth.again")}
}

func (h *Handler) donePage(lang string, inst install.Installation) view {
	team := inst.TeamName
	if team == "" {
		team = inst.Key()
	}
	v := view{
		Lang: lang, Class: "ok",
		Title:   h.t(lang, "oauth.done_title"),
		Heading: h.t(lang, "oauth.done_heading", "team", team),
		Paras:   []template.HTML{h.html(lang, "oauth.done_intro")},
		Steps:   []template.HTML{h.html(lang, "oauth.done_invite"), h.html(lang, "oauth.done_start")},
		Note:    h.html(lang, "oauth.done_help"),
	}
	if inst.AppID != "" {
		q := url.Values{"app": {inst.AppID}}
		if inst.TeamID != "" {
			q.Set("team", inst.TeamID)
		}
		v.Link = &link{URL: "https://slack.com/app_redirect?" + q.Encode(), Label: h.t(lang, "oauth.done_open")}
	}
	return v
}

func (h *Handler) cancelledPage(lang, code string) view {
	body := h.html(lang, "oauth.cancelled_body")
	if code != "access_denied" {
		body = h.html(lang, "oauth.error_body", "code", code)
	}
	return view{
		Lang: lang, Class: "info",
		Title:   h.t(lang, "oauth.cancelled_title"),
		Heading: h.t(lang, "oauth.cancelled_title"),
		Paras:   []template.HTML{body},
		Link:    h.again(lang),
	}
}

func (h *Handler) refusedPage(lang, reason string) view {
	return view{
		Lang: lang, Class: "error",
		Title:   h.t(lang, "oauth.refused_title"),
		Heading: h.t(lang, "oauth.refused_title"),
		Paras:   []template.HTML{h.html(lang, "oauth.refused_"+reason, "count", h.minutes())},
		Link:    h.again(lang),
	}
}

func (h *Handler) failedPage(lang, key, code string) view {
	return view{
		Lang: lang, Class: "error",
		Title:   h.t(lang, "oauth.failed_title"),
		Heading: h.t(lang, "oauth.failed_title"),
		Paras:   []template.HTML{h.html(lang, "oauth."+key, "code", code)},
		Link:    h.again(lang),
	}
}

func (h *Handler) unavailablePage(lang string) view {
	return view{
		Lang: lang, Class: "error",
		Title:   h.t(lang, "oauth.unavailable_title"),
		Heading: h.t(lang, "oauth.unavailable_title"),
		Paras:   []template.HTML{h.html(lang, "oauth.unavailable_body")},
	}
}
