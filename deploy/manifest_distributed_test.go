package deploy_test

import (
	"encoding/json"
	"net/url"
	"reflect"
	"slices"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/journeybot/journeybot/internal/oauth"
)

const distributedManifest = "slack-app-manifest-distributed.yaml"

// readManifest decodes an app manifest as plain data (maps and lists).
func readManifest(t *testing.T, path string) map[string]any {
	t.Helper()
	data := readFile(t, path)
	if err := oneDocument(data); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// stringList reads a YAML list of strings.
func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// The distributed manifest (multi-workspace mode) is the HTTP manifest and
// exactly three changes: a redirect URL, token rotation, and the uninstall
// events. Whatever else changes in one must change in the other, so the
// HTTP manifest's checks (internal/slack/manifest_test.go: scopes, events,
// slash command, request URLs) cover it too.
func TestDistributedManifestIsTheHTTPOnePlusOAuth(t *testing.T) {
	got := readManifest(t, distributedManifest)
	want := readManifest(t, "slack-app-manifest-http.yaml")

	oauthCfg := want["oauth_config"].(map[string]any)
	oauthCfg["redirect_urls"] = []any{"https://journeybot.example.com" + oauth.RedirectPath}
	settings := want["settings"].(map[string]any)
	settings["token_rotation_enabled"] = true
	events := settings["event_subscriptions"].(map[string]any)
	events["bot_events"] = append(events["bot_events"].([]any), "app_uninstalled", "tokens_revoked")

	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("%s is not the HTTP manifest plus the OAuth settings:\n got %s\nwant %s", distributedManifest, g, w)
	}
}

func TestDistributedManifest(t *testing.T) {
	m := readManifest(t, distributedManifest)

	scopes := slices.Sorted(slices.Values(stringList(at(m, "oauth_config", "scopes", "bot"))))
	for _, other := range []string{"slack-app-manifest.yaml", "slack-app-manifest-http.yaml"} {
		o := slices.Sorted(slices.Values(stringList(at(readManifest(t, other), "oauth_config", "scopes", "bot"))))
		if !slices.Equal(scopes, o) {
			t.Errorf("bot scopes %v, want the same as %s: %v", scopes, other, o)
		}
	}
	if len(scopes) == 0 {
		t.Error("no bot scopes")
	}

	if rot, _ := at(m, "settings", "token_rotation_enabled").(bool); !rot {
		t.Error("settings.token_rotation_enabled is not true")
	}
	if socket, _ := at(m, "settings", "socket_mode_enabled").(bool); socket {
		t.Error("settings.socket_mode_enabled is true; a distributed app receives over HTTP")
	}

	redirects := stringList(at(m, "oauth_config", "redirect_urls"))
	if len(redirects) != 1 {
		t.Fatalf("oauth_config.redirect_urls = %v, want one", redirects)
	}
	redirect, err := url.Parse(redirects[0])
	if err != nil || redirect.Scheme != "https" || redirect.Path != oauth.RedirectPath || redirect.RawQuery != "" {
		t.Errorf("redirect URL %q, want https://…%s", redirects[0], oauth.RedirectPath)
	}

	// The routes of SPEC.md "HTTP routes", on the redirect's host.
	commands, _ := at(m, "features", "slash_commands").([]any)
	var commandURL any
	if len(commands) == 1 {
		commandURL = at(commands[0], "url")
	}
	for route, v := range map[string]any{
		"/slack/commands":     commandURL,
		"/slack/events":       at(m, "settings", "event_subscriptions", "request_url"),
		"/slack/interactions": at(m, "settings", "interactivity", "request_url"),
	} {
		s, _ := v.(string)
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "https" || u.Path != route || redirect == nil || u.Host != redirect.Host {
			t.Errorf("request URL %q, want https://%s%s", s, redirect.Host, route)
		}
	}

	events := stringList(at(m, "settings", "event_subscriptions", "bot_events"))
	for _, e := range []string{"app_uninstalled", "tokens_revoked"} {
		if !slices.Contains(events, e) {
			t.Errorf("bot_events %v lack %s", events, e)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(events)))) != len(events) {
		t.Errorf("bot_events %v repeat an event", events)
	}
}
