package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/slack/fakeslack"
	"github.com/journeybot/journeybot/internal/workshop"
)

func TestAnonymousFormsOverHTTP(t *testing.T) {
	h := newHarness(t)
	playAnonymous(t, httpTransport{h}, h.fake, h.store)
}

func TestAnonymousFormsOverSocketMode(t *testing.T) {
	fake, store := socketHarness(t)
	playAnonymous(t, socketTransport{fake}, fake, store)
}

// playAnonymous plays an anonymous touchpoints step with the payloads as
// Slack sends them: the form opens with its "post anonymously" box ticked,
// two people's forms are posted as Anonymous, and each one's Edit and
// Delete buttons work for them alone.
func playAnonymous(t *testing.T, tr transport, fake *fakeslack.Server, store workshop.Store) {
	ctx := context.Background()
	const leo, maria = fixtureAuthor, fixtureMaria
	fake.SetUser(leo, fakeslack.UserInfo{Name: "leo", RealName: "Léo Martin"})
	fake.SetUser(maria, fakeslack.UserInfo{Name: "maria.silva", RealName: "Maria Silva", DisplayName: "Maria"})
	wait := func(what string, cond func() bool) {
		t.Helper()
		await(t, fake, what, cond)
	}
	n := 0
	command := func(user, text string) {
		t.Helper()
		var fields map[string]string
		raw, _ := json.Marshal(fixture(t, "slash_command"))
		_ = json.Unmarshal(raw, &fields)
		n++
		fields["user_id"], fields["text"], fields["trigger_id"], fields["response_url"] = user, text, fmt.Sprintf("trigger-%d", n), fake.URL+"/response"
		tr.command(t, fields)
	}
	load := func() *workshop.Workshop {
		t.Helper()
		w, err := store.Load(ctx, "W1")
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	// The facilitator is someone else: neither author's id is in the meta.
	const ana = "U0ANA00001"
	command(ana, "start Checkout")
	wait("the goals step", func() bool {
		m, err := store.LoadMeta(ctx, "W1")
		if err != nil {
			return false
		}
		_, err = store.Thread(ctx, fixtureChannel, m.StepTS(workshop.Goals))
		return err == nil
	})
	command(ana, "goto touchpoints")
	var thread string
	wait("the touchpoints step", func() bool {
		m, err := store.LoadMeta(ctx, "W1")
		if err != nil || m.Step != workshop.Touchpoints {
			return false
		}
		thread = m.StepTS(workshop.Touchpoints)
		ref, err := store.Thread(ctx, fixtureChannel, thread)
		return err == nil && ref.Step == workshop.Touchpoints
	})
	command(ana, "anonymous on touchpoints")
	wait("the step message saying it is anonymous", func() bool {
		for _, m := range fake.Messages(fixtureChannel) {
			if m.TS == thread && strings.Contains(string(m.Blocks), "This step is anonymous.") {
				return true
			}
		}
		return false
	})

	// Add opens the form with the box ticked.
	click := func(user, action, value string) {
		t.Helper()
		p := fixture(t, "block_actions_message", "U0LEO00001", user)
		act := p["actions"].([]any)[0].(map[string]any)
		act["action_id"], act["value"] = action, value
		p["trigger_id"] = fmt.Sprintf("trigger-%s-%s-%d", action, user, n)
		n++
		tr.submit(t, p)
	}
	opened := len(fake.Calls("views.open"))
	click(leo, "add", "W1 touchpoints")
	views := fake.WaitFor(t, "views.open", opened+1, 5*time.Second)
	form := string(views[opened].Body)
	if !strings.Contains(form, `"type":"checkboxes"`) || !strings.Contains(form, `"initial_options"`) || !strings.Contains(form, "Post anonymously") {
		t.Errorf("the form of an anonymous step has no ticked box: %s", form)
	}

	// Two people submit it, box ticked.
	submit := func(user, viewID, name string) {
		t.Helper()
		sub := fixture(t, "view_submission_anonymous", "U0LEO00001", user, "V0JRNYANON1", viewID)
		sub["view"].(map[string]any)["state"].(map[string]any)["values"].(map[string]any)["name"].(map[string]any)["name"].(map[string]any)["value"] = name
		if body := tr.submit(t, sub); body != "" {
			t.Fatalf("%s's form refused: %s", user, body)
		}
	}
	submit(leo, "V0JRNYANON1", "Pricing page")
	submit(maria, "V0JRNYANON2", "Invoice e-mail")
	echoes := map[string]fakeslack.Message{} // by item value
	wait("both items in the thread as Anonymous", func() bool {
		for _, m := range fake.Messages(fixtureChannel) {
			if m.ThreadTS == thread && strings.HasPrefix(m.Text, "Anonymous added:") {
				for _, id := range []string{"form:V0JRNYANON1", "form:V0JRNYANON2"} {
					if strings.Contains(string(m.Blocks), `"W1 `+id+`"`) {
						echoes[id] = m
					}
				}
			}
		}
		return len(echoes) == 2
	})
	for id, m := range echoes {
		for _, who := range []string{leo, maria, "Léo", "Maria"} {
			if strings.Contains(string(m.Blocks)+m.Text, who) {
				t.Errorf("the item %s names %s: %s", id, who, m.Blocks)
			}
		}
		if !strings.Contains(string(m.Blocks), `"confirm"`) {
			t.Errorf("the Delete button of %s asks nothing: %s", id, m.Blocks)
		}
	}
	w := load()
	if len(w.Inputs) != 2 {
		t.Fatalf("%d inputs, want 2", len(w.Inputs))
	}
	for _, in := range w.Inputs {
		if in.Author != "" || !in.Anonymous() {
			t.Errorf("stored %+v", in)
		}
	}
	if names, _ := store.Names(ctx, []string{leo, maria}); len(names) != 0 {
		t.Errorf("the names of anonymous authors were cached: %v", names)
	}

	// Maria cannot edit Léo's item; Léo can.
	leoItem := echoes["form:V0JRNYANON1"]
	click(maria, "item_edit", "W1 form:V0JRNYANON1")
	wait("Maria told the item is not hers", func() bool {
		for _, m := range fake.Messages(fixtureChannel) {
			if m.Ephemeral && m.User == maria && strings.Contains(m.Text, "Only the person who posted this item") {
				return true
			}
		}
		return false
	})
	if got := len(fake.Calls("views.open")); got != opened+1 {
		t.Errorf("a form opened for Maria on Léo's item (%d views)", got)
	}
	click(leo, "item_edit", "W1 form:V0JRNYANON1")
	views = fake.WaitFor(t, "views.open", opened+2, 5*time.Second)
	edit := string(views[opened+1].Body)
	if !strings.Contains(edit, `"callback_id":"edit"`) || !strings.Contains(edit, `"initial_value":"Pricing page"`) || strings.Contains(edit, `"checkboxes"`) {
		t.Errorf("Léo's edit form: %s", edit)
	}
	var view struct {
		View struct {
			PrivateMetadata string `json:"private_metadata"`
		} `json:"view"`
	}
	if err := json.Unmarshal(views[opened+1].Body, &view); err != nil {
		t.Fatal(err)
	}
	if want := "W1 touchpoints form:V0JRNYANON1 " + fixtureChannel + " 1764580800.000500"; view.View.PrivateMetadata != want {
		t.Errorf("edit metadata %q, want %q", view.View.PrivateMetadata, want)
	}
	// The edit names the real message the item is in.
	meta := strings.Replace(view.View.PrivateMetadata, "1764580800.000500", leoItem.TS, 1)
	sendEdit := func(user string) string {
		t.Helper()
		sub := fixture(t, "view_submission_anonymous", "U0LEO00001", user, "V0JRNYANON1", "V0JRNYEDIT"+user)
		v := sub["view"].(map[string]any)
		v["callback_id"], v["private_metadata"] = "edit", meta
		values := v["state"].(map[string]any)["values"].(map[string]any)
		delete(values, "anonymous")
		values["name"].(map[string]any)["name"].(map[string]any)["value"] = "Pricing page, by " + user
		return tr.submit(t, sub)
	}
	if body := sendEdit(maria); !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, "Only the person") {
		t.Errorf("Maria's edit answered %q", body)
	}
	if body := sendEdit(leo); body != "" {
		t.Errorf("Léo's edit refused: %s", body)
	}
	wait("Léo's item edited, in the map and in its message", func() bool {
		m := load().Map()
		if len(m.Touchpoints) != 2 || m.Touchpoints[0].Name != "Pricing page, by "+leo {
			return false
		}
		for _, msg := range fake.Messages(fixtureChannel) {
			if msg.TS == leoItem.TS && strings.Contains(msg.Text, "Anonymous edited their item:") {
				return true
			}
		}
		return false
	})
	if name := load().Map().Touchpoints[1].Name; name != "Invoice e-mail" {
		t.Errorf("Maria's item became %q", name)
	}

	// Delete: Léo cannot delete Maria's; Maria can.
	mariaItem := echoes["form:V0JRNYANON2"]
	deleteAs := func(user string) {
		t.Helper()
		p := fixture(t, "block_actions_message", "U0LEO00001", user, "1764580800.000500", mariaItem.TS)
		act := p["actions"].([]any)[0].(map[string]any)
		act["action_id"], act["value"] = "item_delete", "W1 form:V0JRNYANON2"
		tr.submit(t, p)
	}
	deleteAs(leo)
	wait("Léo told Maria's item is not his", func() bool {
		for _, m := range fake.Messages(fixtureChannel) {
			if m.Ephemeral && m.User == leo && strings.Contains(m.Text, "Only the person who posted this item") {
				return true
			}
		}
		return false
	})
	if len(load().Inputs) != 2 {
		t.Fatal("Léo deleted Maria's item")
	}
	deleteAs(maria)
	wait("Maria's item deleted, its message a note", func() bool {
		if len(load().Inputs) != 1 {
			return false
		}
		for _, msg := range fake.Messages(fixtureChannel) {
			if msg.TS == mariaItem.TS && strings.Contains(msg.Text, "An anonymous item was deleted by its author.") && !strings.Contains(string(msg.Blocks), "item_delete") {
				return true
			}
		}
		return false
	})

	// Unticked, the box posts under the author's name.
	sub := fixture(t, "view_submission_anonymous", "V0JRNYANON1", "V0JRNYSIGNED")
	sub["view"].(map[string]any)["state"].(map[string]any)["values"].(map[string]any)["anonymous"].(map[string]any)["anonymous"].(map[string]any)["selected_options"] = []any{}
	if body := tr.submit(t, sub); body != "" {
		t.Fatalf("signed form refused: %s", body)
	}
	wait("the signed item", func() bool { return len(load().Inputs) == 2 })
	if m := load().Map(); m.Touchpoints[1].Author != leo || m.Touchpoints[1].Anonymous {
		t.Errorf("unticked box: %+v", m.Touchpoints[1])
	}
}
