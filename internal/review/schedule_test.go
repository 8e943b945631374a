package review

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/journeybot/journeybot/internal/workshop"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Monthly and quarterly reminders stay at 09:00 local time whatever the
// DST changes do to the UTC instant: March and October in Europe, March
// and November in America (1 November 2026 is itself the day New York
// falls back).
func TestNamedCadencesAcrossDST(t *testing.T) {
	tests := []struct {
		zone, cadence, after string
		want                 []string // UTC instants
	}{
		{"Europe/Paris", workshop.CadenceMonthly, "2026-02-15T00:00:00Z", []string{
			"2026-03-01T08:00:00Z", // CET, before the 29 March change
			"2026-04-01T07:00:00Z", // CEST
			"2026-05-01T07:00:00Z", "2026-06-01T07:00:00Z", "2026-07-01T07:00:00Z",
			"2026-08-01T07:00:00Z", "2026-09-01T07:00:00Z",
			"2026-10-01T07:00:00Z", // CEST, before the 25 October change
			"2026-11-01T08:00:00Z", // CET again
			"2026-12-01T08:00:00Z",
		}},
		{"America/New_York", workshop.CadenceMonthly, "2026-02-15T00:00:00Z", []string{
			"2026-03-01T14:00:00Z", // EST, before the 8 March change
			"2026-04-01T13:00:00Z", // EDT
			"2026-05-01T13:00:00Z", "2026-06-01T13:00:00Z", "2026-07-01T13:00:00Z",
			"2026-08-01T13:00:00Z", "2026-09-01T13:00:00Z", "2026-10-01T13:00:00Z",
			"2026-11-01T14:00:00Z", // the change day: 02:00 EDT became 01:00 EST
			"2026-12-01T14:00:00Z",
		}},
		{"Europe/Paris", workshop.CadenceQuarterly, "2026-01-01T08:00:00Z", []string{
			// Strictly after: 1 January 09:00 CET itself is not next.
			"2026-04-01T07:00:00Z", "2026-07-01T07:00:00Z", "2026-10-01T07:00:00Z",
			"2027-01-01T08:00:00Z", "2027-04-01T07:00:00Z",
		}},
		{"America/New_York", workshop.CadenceQuarterly, "2025-12-31T23:00:00Z", []string{
			"2026-01-01T14:00:00Z", "2026-04-01T13:00:00Z", "2026-07-01T13:00:00Z",
			"2026-10-01T13:00:00Z", "2027-01-01T14:00:00Z",
		}},
		{"UTC", workshop.CadenceMonthly, "2026-01-31T09:00:00Z", []string{
			"2026-02-01T09:00:00Z", "2026-03-01T09:00:00Z",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.cadence, func(t *testing.T) {
			loc := zone(t, tt.zone)
			s, err := New(tt.cadence, "", loc)
			if err != nil {
				t.Fatal(err)
			}
			got := s.NextN(utc(tt.after), len(tt.want))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d dates, want %d", len(got), len(tt.want))
			}
			for i, g := range got {
				if w := utc(tt.want[i]); !g.Equal(w) {
					t.Errorf("date %d: got %s, want %s", i+1, g.Format(time.RFC3339), w.Format(time.RFC3339))
				}
				if l := g.In(loc); l.Hour() != 9 || l.Minute() != 0 || l.Day() != 1 {
					t.Errorf("date %d: %s local, want the 1st at 09:00", i+1, l.Format(time.RFC3339))
				}
				if g.Location() != time.UTC {
					t.Errorf("date %d is in %s, want UTC", i+1, g.Location())
				}
			}
		})
	}
}

// Custom schedules at night meet the DST changes head on: a local time the
// change skips does not happen that day, one it repeats happens once.
func TestCustomSpecAcrossDST(t *testing.T) {
	tests := []struct {
		name, zone, spec, after string
		want                    []string
	}{
		{"new york fall back repeats 01:30", "America/New_York", "30 1 * * *", "2026-10-30T12:00:00Z", []string{
			"2026-10-31T05:30:00Z", // 01:30 EDT
			"2026-11-01T05:30:00Z", // 01:30 EDT, the first of the two
			"2026-11-02T06:30:00Z", // 01:30 EST
		}},
		{"new york spring forward skips 02:30", "America/New_York", "30 2 * * *", "2026-03-06T12:00:00Z", []string{
			"2026-03-07T07:30:00Z", // 02:30 EST
			"2026-03-09T06:30:00Z", // 02:30 EDT; 8 March had none
		}},
		{"paris fall back repeats 02:30", "Europe/Paris", "30 2 * * *", "2026-10-23T12:00:00Z", []string{
			"2026-10-24T00:30:00Z", // 02:30 CEST
			"2026-10-25T00:30:00Z", // 02:30 CEST, the first of the two
			"2026-10-26T01:30:00Z", // 02:30 CET
		}},
		{"paris spring forward skips 02:30", "Europe/Paris", "30 2 * * *", "2026-03-27T12:00:00Z", []string{
			"2026-03-28T01:30:00Z", // 02:30 CET
			"2026-03-30T00:30:00Z", // 02:30 CEST; 29 March had none
		}},
		{"paris weekly monday 9:00", "Europe/Paris", "0 9 * * 1", "2026-03-20T00:00:00Z", []string{
			"2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(workshop.CadenceCustom, tt.spec, zone(t, tt.zone))
			if err != nil {
				t.Fatal(err)
			}
			got := s.NextN(utc(tt.after), len(tt.want))
			for i := range tt.want {
				if i >= len(got) || !got[i].Equal(utc(tt.want[i])) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestSpecsAndMinimumInterval(t *testing.T) {
	now := utc("2026-10-01T12:00:00Z")
	tests := []struct {
		spec, zone string
		min        time.Duration
		wantErr    string // "" accepts; "spec", "never", or "interval <gap>"
	}{
		{"0 9 * * *", "UTC", 24 * time.Hour, ""},
		{"0 9 * * 1-5", "Europe/Paris", 24 * time.Hour, ""},
		{"  0   9 1 * *  ", "UTC", 24 * time.Hour, ""},
		{"* * * * *", "UTC", time.Minute, ""},
		{"* * * * *", "UTC", 24 * time.Hour, "interval 1m0s"},
		{"*/30 * * * *", "UTC", time.Hour, "interval 30m0s"},
		{"0 9,17 * * *", "UTC", 24 * time.Hour, "interval 8h0m0s"},
		// Day-of-month and day-of-week together mean either: the 1st and
		// every Monday; some pairs are a day apart.
		{"0 9 1 * 1", "UTC", 48 * time.Hour, "interval 24h0m0s"},
		// Without the repeated-hour rule, 1 November would be 1h apart.
		{"30 1 * * *", "America/New_York", 24 * time.Hour, ""},
		{"0 9 30 2 *", "UTC", time.Minute, "never"},
		{"", "UTC", time.Minute, "spec"},
		{"0 9 * *", "UTC", time.Minute, "spec"},
		{"0 0 9 * * *", "UTC", time.Minute, "spec"},
		{"CRON_TZ=Europe/Paris 0 9 * * *", "UTC", time.Minute, "spec"},
		{"@daily", "UTC", time.Minute, "spec"},
		{"61 9 * * *", "UTC", time.Minute, "spec"},
		{"0 9 * * funday", "UTC", time.Minute, "spec"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := New(workshop.CadenceCustom, tt.spec, zone(t, tt.zone))
			if err == nil {
				err = s.Check(now, tt.min)
			}
			var se *SpecError
			var ie *IntervalError
			got := ""
			switch {
			case err == nil:
			case errors.As(err, &se):
				got = "spec"
			case errors.Is(err, ErrNever):
				got = "never"
			case errors.As(err, &ie):
				got = "interval " + ie.Gap.String()
				if ie.Min != tt.min || !ie.Second.After(ie.First) {
					t.Errorf("interval error %+v", ie)
				}
			default:
				got = "other: " + err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("got %q (%v), want %q", got, err, tt.wantErr)
			}
		})
	}
}

func TestParseReview(t *testing.T) {
	if _, err := Parse(workshop.Review{Cadence: workshop.CadenceOff}); !errors.Is(err, ErrOff) {
		t.Errorf("off: %v, want ErrOff", err)
	}
	if _, err := Parse(workshop.Review{Cadence: workshop.CadenceMonthly, TZ: "Mars/Olympus"}); err == nil || !strings.Contains(err.Error(), "Mars/Olympus") {
		t.Errorf("unknown zone: %v", err)
	}
	s, err := Parse(workshop.Review{Cadence: workshop.CadenceQuarterly, TZ: "Europe/Paris"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Next(utc("2026-05-05T00:00:00Z")); !got.Equal(utc("2026-07-01T07:00:00Z")) {
		t.Errorf("next quarterly %s", got)
	}
}

func TestCatchUp(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	monthly, _ := New(workshop.CadenceMonthly, "", paris)
	minute, _ := New(workshop.CadenceCustom, "* * * * *", time.UTC)
	tests := []struct {
		name               string
		s                  *Schedule
		due, now           string
		wantLatest, wantNx string
	}{
		{"on time", minute, "2026-06-01T12:01:00Z", "2026-06-01T12:01:04Z", "2026-06-01T12:01:00Z", "2026-06-01T12:02:00Z"},
		{"exactly at the occurrence", minute, "2026-06-01T12:01:00Z", "2026-06-01T12:01:00Z", "2026-06-01T12:01:00Z", "2026-06-01T12:02:00Z"},
		{"three missed", minute, "2026-06-01T12:01:00Z", "2026-06-01T12:03:30Z", "2026-06-01T12:03:00Z", "2026-06-01T12:04:00Z"},
		{"a month of minutes missed", minute, "2026-06-01T12:01:00Z", "2026-07-01T08:00:10Z", "2026-07-01T08:00:00Z", "2026-07-01T08:01:00Z"},
		{"monthly missed twice", monthly, "2026-03-01T08:00:00Z", "2026-05-15T00:00:00Z", "2026-05-01T07:00:00Z", "2026-06-01T07:00:00Z"},
		{"snoozed, off the schedule", monthly, "2026-04-08T07:00:00Z", "2026-04-08T07:00:05Z", "2026-04-08T07:00:00Z", "2026-05-01T07:00:00Z"},
		{"snoozed, then a month missed", monthly, "2026-04-08T07:00:00Z", "2026-05-03T00:00:00Z", "2026-05-01T07:00:00Z", "2026-06-01T07:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			latest, next := tt.s.CatchUp(utc(tt.due), utc(tt.now))
			if !latest.Equal(utc(tt.wantLatest)) || !next.Equal(utc(tt.wantNx)) {
				t.Errorf("CatchUp = %s, %s; want %s, %s", latest.Format(time.RFC3339), next.Format(time.RFC3339), tt.wantLatest, tt.wantNx)
			}
		})
	}
}
