package app

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/workshop"
)

// payload reads a fixture of internal/slack/testdata/payloads with every
// quoted old replaced by new (pairs), in the channel C1 the harness uses.
func payload(t *testing.T, name string, replace ...string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../slack/testdata/payloads/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(raw), `"C0WORKSHOP1"`, `"C1"`)
	for i := 0; i+1 < len(replace); i += 2 {
		s = strings.ReplaceAll(s, `"`+replace[i]+`"`, `"`+replace[i+1]+`"`)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "_source")
	return m
}

// Acceptance (issue 15, anonymous input): an anonymous touchpoints step;
// items submitted through the form by two people appear in the thread as
// Anonymous; the json, md and csv exports hold no user id or name for
// them; each author can edit their own item and not the other's; both
// count as contributors. Nothing Redis holds of the workshop names them.
func TestAnonymousTouchpointsStep(t *testing.T) {
	for mode, env := range map[string]func(*testing.T, *fakeslack.Server) map[string]string{"http": serveEnv, "socket": socketEnv} {
		t.Run(mode, func(t *testing.T) { playAnonymousStep(t, env) })
	}
}

func playAnonymousStep(t *testing.T, serveEnv func(*testing.T, *fakeslack.Server) map[string]string) {
	const ana, leo, maria = "U0ANA00001", "U0LEO00001", "U0MARIA001"
	fake := newFake(t)
	fake.SetUser(ana, fakeslack.UserInfo{Name: "ana", RealName: "Ana Lima"})
	fake.SetUser(leo, fakeslack.UserInfo{Name: "leo", RealName: "Léo Martin", DisplayName: "Léo"})
	fake.SetUser(maria, fakeslack.UserInfo{Name: "maria.silva", RealName: "Maria Silva", DisplayName: "Maria"})
	fake.SetMembers("C1", ana, leo, maria)
	env := serveEnv(t, fake)
	s := startServe(t, fake, env)
	s.command(ana, "start Checkout")
	s.waitTopLevel(2)
	s.command(ana, "goto touchpoints")
	thread := s.waitTopLevel(3)
	s.waitBound(thread, "touchpoints")
	s.command(ana, "anonymous on touchpoints")
	s.waitNotice("made Touchpoints anonymous")

	// Léo and Maria each submit the form, its box ticked as it opens.
	for i, who := range []string{leo, maria} {
		sub := payload(t, "view_submission_anonymous", "U0LEO00001", who, "V0JRNYANON1", fmt.Sprintf("V0ANON%d", i))
		sub["view"].(map[string]any)["state"].(map[string]any)["values"].(map[string]any)["name"].(map[string]any)["name"].(map[string]any)["value"] = fmt.Sprintf("Touchpoint %d", i+1)
		if body := s.interact(sub); body != "" {
			t.Fatalf("form of %s refused: %s", who, body)
		}
	}
	items := map[string]fakeslack.Message{} // by input id
	s.waitFor("both items in the thread as Anonymous", func() bool {
		for _, m := range s.posts(thread) {
			for _, id := range []string{"form:V0ANON0", "form:V0ANON1"} {
				if strings.HasPrefix(m.Text, "Anonymous added:") && strings.Contains(string(m.Blocks), `"W1 `+id+`"`) {
					items[id] = m
				}
			}
		}
		return len(items) == 2
	})
	people := []string{leo, maria, "Léo", "Maria"}
	for id, m := range items {
		for _, p := range people {
			if strings.Contains(m.Text+string(m.Blocks), p) {
				t.Errorf("item %s names %s: %s", id, p, m.Blocks)
			}
		}
	}

	// Each author can edit their own item, and not the other's.
	click := func(user, action, input, ts string) {
		t.Helper()
		p := payload(t, "block_actions_message", "U0LEO00001", user, "1764580800.000500", ts)
		act := p["actions"].([]any)[0].(map[string]any)
		act["action_id"], act["value"] = action, "W1 "+input
		s.interact(p)
	}
	for _, tt := range []struct{ user, other, input string }{{leo, maria, "form:V0ANON0"}, {maria, leo, "form:V0ANON1"}} {
		views := len(fake.Calls("views.open"))
		click(tt.other, "item_edit", tt.input, items[tt.input].TS)
		s.waitFor(tt.other+" told the item is not theirs", func() bool {
			for _, m := range fake.Messages("C1") {
				if m.Ephemeral && m.User == tt.other && strings.Contains(m.Text, "Only the person who posted this item") {
					return true
				}
			}
			return false
		})
		click(tt.user, "item_edit", tt.input, items[tt.input].TS)
		opened := fake.WaitFor(t, "views.open", views+1, serveWait)
		if got := string(opened[views].Body); !strings.Contains(got, `"callback_id":"edit"`) {
			t.Fatalf("the edit form of %s: %s", tt.user, got)
		}
		var view struct {
			View struct {
				PrivateMetadata string `json:"private_metadata"`
			} `json:"view"`
		}
		if err := json.Unmarshal(opened[views].Body, &view); err != nil {
			t.Fatal(err)
		}
		edit := func(user string) string {
			sub := payload(t, "view_submission_anonymous", "U0LEO00001", user, "V0JRNYANON1", "V0EDIT"+user)
			v := sub["view"].(map[string]any)
			v["callback_id"], v["private_metadata"] = "edit", view.View.PrivateMetadata
			values := v["state"].(map[string]any)["values"].(map[string]any)
			delete(values, "anonymous")
			values["name"].(map[string]any)["name"].(map[string]any)["value"] = "Edited " + tt.input
			return s.interact(sub)
		}
		if body := edit(tt.other); !strings.Contains(body, "Only the person who posted this item") {
			t.Errorf("%s's edit of %s's item answered %q", tt.other, tt.user, body)
		}
		if body := edit(tt.user); body != "" {
			t.Errorf("%s's edit refused: %s", tt.user, body)
		}
		s.waitFor(tt.user+"'s item edited in its message", func() bool {
			for _, m := range fake.Messages("C1") {
				if m.TS == items[tt.input].TS && strings.Contains(m.Text, "Anonymous edited their item:") && strings.Contains(m.Text, "Edited "+tt.input) {
					return true
				}
			}
			return false
		})
	}

	// Both count as contributors, by their author keys.
	ctx := context.Background()
	meta, err := s.store.LoadMeta(ctx, "W1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.store.Counts(ctx, "W1")
	if err != nil {
		t.Fatal(err)
	}
	step, _ := c.StepContributors(workshop.Touchpoints, 0)
	if len(step) != 2 || !meta.Contributed(step, leo) || !meta.Contributed(step, maria) || meta.Contributed(step, ana) {
		t.Errorf("touchpoints contributors %q: want Léo's and Maria's author keys", step)
	}
	s.command(ana, "status")
	s.waitFor("the status", func() bool {
		for _, m := range fake.Messages("C1") {
			if m.Ephemeral && m.User == ana && strings.Contains(string(m.Blocks), "Touchpoints: 2 items · 2 replies · 2 contributors") &&
				strings.Contains(string(m.Blocks), "2 contributors: 2 anonymous") {
				return true
			}
		}
		return false
	})

	// The exports hold no user id or name for them, nor the secret; the
	// logs do not hold the secret either.
	secret := []string{base64.StdEncoding.EncodeToString(meta.Secret), hex.EncodeToString(meta.Secret), string(meta.Secret)}
	if len(meta.Secret) != workshop.SecretSize {
		t.Fatalf("the workshop's secret has %d bytes", len(meta.Secret))
	}
	for _, form := range secret {
		if strings.Contains(s.logs.String(), form) {
			t.Errorf("serve's log holds the workshop's secret")
		}
	}
	for _, format := range []string{"json", "md", "csv"} {
		out, errOut, err := runApp(t, env, "", "export", "-workshop", "W1", "-format", format)
		if err != nil {
			t.Fatalf("export %s: %v\n%s", format, err, errOut)
		}
		for _, p := range append(append(people, workshop.AuthorKeyPrefix), secret...) {
			if strings.Contains(out, p) {
				t.Errorf("the %s export holds %q:\n%s", format, p, out)
			}
		}
		// The csv's author column says Anonymous; the md shows no
		// touchpoint's author, and counts these among its contributors.
		if want := map[string]string{"csv": "Anonymous", "md": "**Contributors**: 2 anonymous", "json": `"anonymous": true`}[format]; !strings.Contains(out, want) ||
			format == "csv" && strings.Count(out, want) != 2 {
			t.Errorf("the %s export does not say %q:\n%s", format, want, out)
		}
	}
	doc := s.export()
	if len(doc.Touchpoints) != 2 || !doc.Touchpoints[0].Anonymous || !doc.Touchpoints[1].Anonymous || doc.Touchpoints[0].Author != "" {
		t.Errorf("json touchpoints %+v", doc.Touchpoints)
	}

	// Nothing Redis keeps of the workshop names Léo or Maria.
	client, _ := redistest.Client(t)
	facilitator := false // the scan sees ids where there are some
	for key, value := range dumpPrefix(t, client, env["REDIS_PREFIX"]) {
		facilitator = facilitator || strings.Contains(value, ana)
		for _, id := range []string{leo, maria} {
			if strings.Contains(key, id) || strings.Contains(value, id) {
				t.Errorf("Redis key %s holds %s: %.300s", key, id, value)
			}
		}
	}
	if !facilitator {
		t.Error("no Redis value holds the facilitator's id: the scan reads nothing")
	}
}

// dumpPrefix reads every key under prefix and its value as text.
func dumpPrefix(t *testing.T, c goredis.UniversalClient, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	iter := c.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		var value any
		var err error
		switch typ := c.Type(ctx, key).Val(); typ {
		case "string":
			value, err = c.Get(ctx, key).Result()
		case "hash":
			value, err = c.HGetAll(ctx, key).Result()
		case "zset":
			value, err = c.ZRangeWithScores(ctx, key, 0, -1).Result()
		case "set":
			value, err = c.SMembers(ctx, key).Result()
		case "list":
			value, err = c.LRange(ctx, key, 0, -1).Result()
		default:
			t.Errorf("key %s of type %s", key, typ)
		}
		if err != nil {
			t.Fatalf("read %s: %v", key, err)
		}
		out[key] = fmt.Sprint(value)
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 || !slices.ContainsFunc(keysOf(out), func(k string) bool { return strings.HasSuffix(k, "{W1}:inputs") }) {
		t.Fatalf("no workshop keys under %s: %v", prefix, keysOf(out))
	}
	return out
}

func keysOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// The console plays anonymous input, in English and in French: items
// added with `/journey add anonymous` are posted as Anonymous, exported
// with no author, and the state file holds neither author's name.
func TestConsoleAnonymous(t *testing.T) {
	for _, tt := range []struct {
		lang, add, posted, csv string
	}{
		{"en", "add anonymous", "Anonymous added:", ",Anonymous,"},
		{"fr", "ajouter anonyme", "Anonyme a ajouté\u00a0:", ";Anonyme;"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			dir := t.TempDir()
			state, out := dir+"/s.db", dir+"/out"
			script := strings.Join([]string{
				"/journey start Checkout",
				"/journey goto touchpoints",
				"/journey anonymous on touchpoints",
				"as bernadette: /journey " + tt.add + " Pricing page | website | before | -1",
				"as cyrille: /journey " + tt.add + " Invoice | e-mail | after | -2",
				"as dominique: Cart | website | during | 0",
				"/journey status",
				"/journey export csv",
			}, "\n")
			printed, errOut, err := runApp(t, nil, script, "console", "-state", state, "-user", "ana", "-lang", tt.lang, "-out", out)
			if err != nil {
				t.Fatalf("console: %v\n%s", err, errOut)
			}
			if n := strings.Count(printed, tt.posted); n != 2 {
				t.Errorf("%d items posted as %q, want 2:\n%s", n, tt.posted, printed)
			}
			csv, err := os.ReadFile(out + "/journey-w1.csv")
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(csv), tt.csv); n != 2 {
				t.Errorf("csv has %d anonymous rows, want 2:\n%s", n, csv)
			}
			doc := exportJSON(t, nil, state)
			anonymous := 0
			for _, tp := range doc.Touchpoints {
				if tp.Anonymous && tp.Author == "" {
					anonymous++
				}
			}
			if anonymous != 2 || doc.Touchpoints[2].Author != "dominique" {
				t.Errorf("touchpoints %+v", doc.Touchpoints)
			}
			raw, err := os.ReadFile(state)
			if err != nil {
				t.Fatal(err)
			}
			// The console prints whom an answer is for ("only @bernadette
			// sees this"); nothing posted for everyone names them.
			public := regexp.MustCompile(`(?s)\n  ┌.*?\n  └`).ReplaceAllString(printed, "")
			if !strings.Contains(public, tt.posted) || strings.Contains(public, "  ┌") {
				t.Fatalf("the private answers were not cut out:\n%s", public)
			}
			for _, who := range []string{"bernadette", "cyrille"} {
				for what, text := range map[string]string{"the console's posts": public, "the csv": string(csv), "the state file": string(raw)} {
					if strings.Contains(text, who) {
						t.Errorf("%s shows in %s", who, what)
					}
				}
			}
			if !strings.Contains(string(raw), "dominique") {
				t.Error("the state file does not hold the attributed author: the check reads nothing")
			}
		})
	}
}
