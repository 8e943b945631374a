package slack

import (
	"os"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// manifest is the part of Slack's app manifest schema we rely on.
type manifest struct {
	Metadata struct {
		Major int `json:"major_version"`
	} `json:"_metadata"`
	Display struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Long        string `json:"long_description"`
	} `json:"display_information"`
	Features struct {
		BotUser struct {
			DisplayName string `json:"display_name"`
		} `json:"bot_user"`
		SlashCommands []struct {
			Command      string `json:"command"`
			URL          string `json:"url"`
			Description  string `json:"description"`
			ShouldEscape bool   `json:"should_escape"`
		} `json:"slash_commands"`
	} `json:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `json:"bot"`
		} `json:"scopes"`
	} `json:"oauth_config"`
	Settings struct {
		Events struct {
			RequestURL string   `json:"request_url"`
			BotEvents  []string `json:"bot_events"`
		} `json:"event_subscriptions"`
		Interactivity struct {
			Enabled    bool   `json:"is_enabled"`
			RequestURL string `json:"request_url"`
		} `json:"interactivity"`
		SocketMode bool `json:"socket_mode_enabled"`
	} `json:"settings"`
}

func TestManifests(t *testing.T) {
	for _, tt := range []struct {
		file   string
		socket bool
	}{
		{"../../deploy/slack-app-manifest.yaml", true},
		{"../../deploy/slack-app-manifest-http.yaml", false},
	} {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			var m manifest
			// Only the part we rely on is decoded; Slack knows the rest.
			if err := yaml.Unmarshal(raw, &m); err != nil {
				t.Fatalf("not YAML: %v", err)
			}
			if m.Metadata.Major != 1 || m.Display.Name == "" || len(m.Display.Description) > 140 || len(m.Display.Long) < 175 || m.Features.BotUser.DisplayName == "" {
				t.Errorf("display information incomplete: %+v", m.Display)
			}
			if got, want := slices.Sorted(slices.Values(m.OAuth.Scopes.Bot)), slices.Sorted(slices.Values(Scopes)); !slices.Equal(got, want) {
				t.Errorf("scopes %v, want exactly %v", got, want)
			}
			if !slices.Equal(m.Settings.Events.BotEvents, BotEvents) {
				t.Errorf("events %v, want %v", m.Settings.Events.BotEvents, BotEvents)
			}
			if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/journey" || !m.Features.SlashCommands[0].ShouldEscape {
				t.Errorf("slash commands %+v, want /journey with escaped mentions", m.Features.SlashCommands)
			}
			if !m.Settings.Interactivity.Enabled || m.Settings.SocketMode != tt.socket {
				t.Errorf("interactivity %v, socket mode %v", m.Settings.Interactivity.Enabled, m.Settings.SocketMode)
			}
			urls := map[string]string{
				"/slack/commands":     m.Features.SlashCommands[0].URL,
				"/slack/events":       m.Settings.Events.RequestURL,
				"/slack/interactions": m.Settings.Interactivity.RequestURL,
			}
			for route, u := range urls {
				if tt.socket && u != "" {
					t.Errorf("socket mode manifest has a request URL %q", u)
				}
				if !tt.socket && (!strings.HasPrefix(u, "https://") || !strings.HasSuffix(u, route)) {
					t.Errorf("request URL %q, want https://…%s", u, route)
				}
			}
		})
	}
}
