package workshop

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Fields named by a LineError. The engine turns each into a sentence in the
// workshop's language, with the step's format and an example.
const (
	FieldStep     = "step"
	FieldText     = "text"    // the line is empty
	FieldCount    = "fields"  // too few or too many `|`-separated fields
	FieldName     = "name"    // a required name is empty
	FieldChannel  = "channel" // a touchpoint's channel is empty
	FieldPhase    = "phase"
	FieldEmotion  = "emotion"
	FieldKind     = "kind"    // have or need
	FieldGoal     = "goal"    // G<n> in a test line
	FieldVerdict  = "verdict" // yes, partly, no
	FieldDue      = "due"     // a change's due date
	FieldTooLong  = "length"  // a field longer than MaxFieldLen
	FieldTPoint   = "touchpoint"
	FieldMapType  = "map_type"
	FieldLanguage = "lang"
	FieldLanes    = "lanes"    // a backstage lanes line with no lane
	FieldNote     = "note"     // an empathy line with nothing after its quadrant
	FieldLane     = "lane"     // a backstage lanes line in a map that is no service blueprint
	FieldQuadrant = "quadrant" // an empathy line in a map that is no empathy map
)

// MaxFieldLen bounds one field of a structured line, in characters. Replies
// may be long; a single name or note longer than this is almost certainly a
// paste gone wrong.
const MaxFieldLen = 3000

// LineError says why one line of a reply could not be read. Nothing from
// that line is stored.
type LineError struct {
	Step  Step
	Line  int    // 1-based line number within the reply
	Text  string // the line as typed
	Field string // one of the Field constants
	Got   string // the offending value
	Min   int    // for FieldCount: how many fields are required
	Max   int    // for FieldCount: how many fields are allowed
	// MapType is the map type the line was checked against (see
	// ParseReplyIn), so the explanation can name what that type expects.
	MapType string
}

func (e *LineError) Error() string {
	return fmt.Sprintf("%s line %d: bad %s %q", e.Step, e.Line, e.Field, e.Got)
}

// ParseReply reads every non-blank line of a reply in the thread of step. It
// returns the items, or every line error; callers store nothing when any line
// fails, so an input is never half-stored.
func ParseReply(step Step, text string) ([]Item, []*LineError) {
	return parseReply(step, text, nil)
}

// Context is what a reply is checked against beyond its own lines: the map
// type chosen so far and how many touchpoints the workshop has.
type Context struct {
	// MapType is the workshop's map type ("" is current-state).
	MapType string
	// Touchpoints is how many touchpoints exist; negative when unknown,
	// and then touchpoint references are not checked.
	Touchpoints int
}

// ParseReplyIn reads a reply as ParseReply does, then refuses the lines the
// workshop's map type does not collect: a phase that is not one of its
// phases (times of the day in a day-in-the-life map, before/during/after
// otherwise), backstage lanes outside a service blueprint, empathy lines
// outside an empathy map, lanes of a touchpoint that does not exist. Every
// error carries the map type, so its explanation can say what it expects.
// The map itself is derived with ParseReply, which accepts them all: a map
// whose type changes later keeps what was given.
func ParseReplyIn(step Step, text string, c Context) ([]Item, []*LineError) {
	mt := cmp.Or(c.MapType, MapCurrentState)
	items, errs := parseReply(step, text, func(line string, it Item) *LineError {
		fail := func(field, got string) *LineError {
			return &LineError{Step: step, Text: line, Field: field, Got: got}
		}
		switch it := it.(type) {
		case *Touchpoint:
			if !slices.Contains(PhasesOf(mt), it.Phase) {
				return fail(FieldPhase, at(splitFields(line), 2))
			}
		case *Lanes:
			if mt != MapServiceBlueprint {
				return fail(FieldLane, it.Touchpoint)
			}
			if n, _ := ParseTouchpointRef(it.Touchpoint); c.Touchpoints >= 0 && n > c.Touchpoints {
				le := fail(FieldTPoint, it.Touchpoint)
				le.Max = c.Touchpoints
				return le
			}
		case *EmpathyNote:
			if mt != MapEmpathyMap {
				return fail(FieldQuadrant, at(splitFields(line), 0))
			}
		}
		return nil
	})
	for _, e := range errs {
		e.MapType = mt
	}
	return items, errs
}

func parseReply(step Step, text string, check func(line string, it Item) *LineError) ([]Item, []*LineError) {
	var items []Item
	var errs []*LineError
	for i, line := range strings.Split(text, "\n") {
		line = cleanLine(line)
		if line == "" {
			continue
		}
		it, err := ParseLine(step, line)
		if err == nil && check != nil {
			err = check(line, it)
		}
		if err != nil {
			err.Line = i + 1
			errs = append(errs, err)
			continue
		}
		items = append(items, it)
	}
	if len(items) == 0 && len(errs) == 0 {
		errs = append(errs, &LineError{Step: step, Line: 1, Field: FieldText})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return items, nil
}

// cleanLine trims a line and removes a list bullet people paste in front of it.
func cleanLine(line string) string {
	line = strings.TrimSpace(line)
	for _, b := range []string{"- ", "• ", "* ", "◦ "} {
		if rest, ok := strings.CutPrefix(line, b); ok {
			return strings.TrimSpace(rest)
		}
	}
	return line
}

// ParseLine reads one structured line of step.
func ParseLine(step Step, line string) (Item, *LineError) {
	line = cleanLine(line)
	fields := splitFields(line)
	fail := func(field, got string) (Item, *LineError) {
		return nil, &LineError{Step: step, Line: 1, Text: line, Field: field, Got: got}
	}
	if line == "" {
		return fail(FieldText, "")
	}
	for _, f := range fields {
		if utf8.RuneCountInString(f) > MaxFieldLen {
			return fail(FieldTooLong, truncate(f, 40))
		}
	}
	count := func(lo, hi int) *LineError {
		if len(fields) < lo || len(fields) > hi {
			return &LineError{Step: step, Line: 1, Text: line, Field: FieldCount, Got: strconv.Itoa(len(fields)), Min: lo, Max: hi}
		}
		return nil
	}
	switch step {
	case Goals:
		return &Goal{Text: line}, nil

	case Personas:
		if err := count(1, 3); err != nil {
			return nil, err
		}
		p := &Persona{Name: at(fields, 0), Demographics: at(fields, 1), Psychographics: at(fields, 2)}
		if p.Name == "" {
			return fail(FieldName, "")
		}
		return p, nil

	case Touchpoints:
		if err := count(4, 9); err != nil {
			return nil, err
		}
		t := &Touchpoint{Name: fields[0], Channel: fields[1], State: StateCurrent}
		if t.Name == "" {
			return fail(FieldName, "")
		}
		if t.Channel == "" {
			return fail(FieldChannel, "")
		}
		ph, ok := ParsePhase(fields[2])
		if !ok {
			return fail(FieldPhase, fields[2])
		}
		t.Phase = ph
		em, ok := ParseEmotion(fields[3])
		if !ok {
			return fail(FieldEmotion, fields[3])
		}
		t.Emotion = em
		t.Online = !offlineChannel(t.Channel)
		// After the emotion come free texts (positive, negative, owner) and
		// keywords (ideal/current, online/offline) that may stand anywhere.
		free := 0
		for _, f := range fields[4:] {
			switch kw := normalize(f); {
			case stateWords[kw] != "":
				t.State = stateWords[kw]
			case onlineWords[kw] != 0:
				t.Online = onlineWords[kw] > 0
			default:
				switch free {
				case 0:
					t.Positive = f
				case 1:
					t.Negative = f
				case 2:
					t.Owner = f
				default:
					return nil, &LineError{Step: step, Line: 1, Text: line, Field: FieldCount, Got: strconv.Itoa(len(fields)), Min: 4, Max: 9}
				}
				free++
			}
		}
		return t, nil

	case Scope:
		if mt, ok := ParseMapType(line); ok {
			return &ScopeNote{MapType: mt}, nil
		}
		return &ScopeNote{Note: line}, nil

	case Resources:
		// A resource line starts with have or need; a service blueprint's
		// backstage lanes with a touchpoint (T2); an empathy map's notes
		// with a quadrant (says, thinks, does, feels).
		if _, ok := ParseTouchpointRef(fields[0]); ok {
			if err := count(2, 4); err != nil {
				return nil, err
			}
			n, _ := ParseTouchpointRef(fields[0])
			l := &Lanes{Touchpoint: "T" + strconv.Itoa(n), People: at(fields, 1), Process: at(fields, 2), Technology: at(fields, 3)}
			if l.People == "" && l.Process == "" && l.Technology == "" {
				return fail(FieldLanes, "")
			}
			return l, nil
		}
		if q, ok := quadrantWords[normalize(fields[0])]; ok {
			if err := count(2, 3); err != nil {
				return nil, err
			}
			e := &EmpathyNote{Quadrant: q, Text: fields[1], Persona: at(fields, 2)}
			if e.Text == "" {
				return fail(FieldNote, "")
			}
			return e, nil
		}
		if err := count(2, 4); err != nil {
			return nil, err
		}
		kind, ok := kindWords[normalize(fields[0])]
		if !ok {
			return fail(FieldKind, fields[0])
		}
		r := &Resource{Kind: kind, Name: fields[1], Gap: at(fields, 2), Owner: at(fields, 3)}
		if r.Name == "" {
			return fail(FieldName, "")
		}
		return r, nil

	case Test:
		if err := count(1, 3); err != nil {
			return nil, err
		}
		// "G1 partly | note" or "G1 | partly | note".
		head, rest := fields[0], fields[1:]
		goal, verdictText, _ := strings.Cut(strings.TrimSpace(head), " ")
		if strings.TrimSpace(verdictText) == "" && len(rest) > 0 {
			verdictText, rest = rest[0], rest[1:]
		} else if len(rest) > 1 {
			return nil, &LineError{Step: step, Line: 1, Text: line, Field: FieldCount, Got: strconv.Itoa(len(fields)), Min: 1, Max: 2}
		}
		id, ok := ParseGoalRef(goal)
		if !ok {
			return fail(FieldGoal, goal)
		}
		verdict, ok := verdictWords[normalize(verdictText)]
		if !ok {
			return fail(FieldVerdict, strings.TrimSpace(verdictText))
		}
		return &TestResult{Goal: id, Verdict: verdict, Note: at(rest, 0)}, nil

	case Iterate:
		if err := count(1, 3); err != nil {
			return nil, err
		}
		c := &Change{Text: fields[0], Owner: at(fields, 1)}
		if c.Text == "" {
			return fail(FieldName, "")
		}
		if d := at(fields, 2); d != "" {
			due, ok := ParseDate(d)
			if !ok {
				return fail(FieldDue, d)
			}
			c.Due = due
		}
		return c, nil
	}
	return fail(FieldStep, step.Key())
}

// splitFields splits a line on "|", except inside a user reference
// ("<@U123|maria>"), which is one token whatever it holds.
func splitFields(line string) []string {
	refs := userRef.FindAllStringIndex(line, -1)
	var fields []string
	start := 0
	for i := 0; i < len(line); i++ {
		if len(refs) > 0 && i == refs[0][0] {
			i = refs[0][1] - 1
			refs = refs[1:]
			continue
		}
		if line[i] == '|' {
			fields = append(fields, strings.TrimSpace(line[start:i]))
			start = i + 1
		}
	}
	return append(fields, strings.TrimSpace(line[start:]))
}

func at(fields []string, i int) string {
	if i < len(fields) {
		return fields[i]
	}
	return ""
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// normalize lowercases a keyword, folds French accents and separators, and
// drops emoji variation selectors, so "Après", "apres" and "APRÈS" match.
func normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	r := strings.NewReplacer("é", "e", "è", "e", "ê", "e", "à", "a", "â", "a", "î", "i", "ï", "i",
		"ô", "o", "û", "u", "ù", "u", "ç", "c", "\ufe0f", "", "_", "-", " ", "-", "'", "-", "’", "-")
	return r.Replace(s)
}

var phaseWords = map[string]Phase{
	"before": Before, "avant": Before, "pre": Before,
	"during": During, "pendant": During, "durant": During,
	"after": After, "apres": After, "post": After,
	"morning": Morning, "matin": Morning, "matinee": Morning,
	"midday": Midday, "noon": Midday, "lunchtime": Midday, "midi": Midday,
	"afternoon": Afternoon, "apres-midi": Afternoon,
	"evening": Evening, "soir": Evening, "soiree": Evening,
	"night": Night, "nuit": Night,
}

var quadrantWords = map[string]string{
	"says": QuadrantSays, "say": QuadrantSays, "dit": QuadrantSays, "dire": QuadrantSays,
	"thinks": QuadrantThinks, "think": QuadrantThinks, "pense": QuadrantThinks, "penser": QuadrantThinks,
	"does": QuadrantDoes, "do": QuadrantDoes, "fait": QuadrantDoes, "faire": QuadrantDoes,
	"feels": QuadrantFeels, "feel": QuadrantFeels, "ressent": QuadrantFeels, "ressentir": QuadrantFeels,
}

// ParseQuadrant reads an empathy quadrant in English or French.
func ParseQuadrant(s string) (string, bool) {
	q, ok := quadrantWords[normalize(s)]
	return q, ok
}

// ParsePhase reads a phase in English or French.
func ParsePhase(s string) (Phase, bool) {
	p, ok := phaseWords[normalize(s)]
	return p, ok
}

var emotionWords = map[string]int{
	"😡": -2, ":rage:": -2, "😠": -2, ":angry:": -2,
	"😟": -1, ":worried:": -1, "🙁": -1, ":slightly-frowning-face:": -1,
	"😐": 0, ":neutral-face:": 0,
	"🙂": 1, ":slightly-smiling-face:": 1, "😊": 1, ":blush:": 1,
	"😍": 2, ":heart-eyes:": 2, "🤩": 2, ":star-struck:": 2,
}

// ParseEmotion reads an emotion: an integer from -2 to +2, or one of the
// faces 😡 😟 😐 🙂 😍 (as emoji or as Slack short codes).
func ParseEmotion(s string) (int, bool) {
	s = strings.TrimSpace(s)
	s = strings.Replace(s, "−", "-", 1) // a typographic minus
	if n, err := strconv.Atoi(strings.TrimPrefix(s, "+")); err == nil && !strings.HasPrefix(s, "+-") {
		return n, n >= -2 && n <= 2
	}
	v, ok := emotionWords[normalize(s)]
	return v, ok
}

var mapTypeWords = map[string]string{
	"current-state": MapCurrentState, "current": MapCurrentState, "etat-actuel": MapCurrentState, "actuel": MapCurrentState,
	"future-state": MapFutureState, "future": MapFutureState, "etat-futur": MapFutureState, "futur": MapFutureState,
	"day-in-the-life": MapDayInTheLife, "journee-type": MapDayInTheLife, "une-journee": MapDayInTheLife,
	"service-blueprint": MapServiceBlueprint, "blueprint": MapServiceBlueprint, "plan-de-service": MapServiceBlueprint,
	"empathy-map": MapEmpathyMap, "carte-d-empathie": MapEmpathyMap, "carte-empathie": MapEmpathyMap,
}

// ParseMapType reads a map type keyword in English or French.
func ParseMapType(s string) (string, bool) {
	mt, ok := mapTypeWords[normalize(s)]
	return mt, ok
}

var kindWords = map[string]string{
	"have": KindHave, "has": KindHave, "got": KindHave, "dispo": KindHave, "disponible": KindHave, "existant": KindHave, "on-a": KindHave, "acquis": KindHave,
	"need": KindNeed, "needs": KindNeed, "want": KindNeed, "besoin": KindNeed, "manque": KindNeed, "a-trouver": KindNeed, "il-faut": KindNeed,
}

var verdictWords = map[string]string{
	"yes": VerdictYes, "oui": VerdictYes, "y": VerdictYes, "✅": VerdictYes,
	"partly": VerdictPartly, "partially": VerdictPartly, "partiellement": VerdictPartly, "en-partie": VerdictPartly, "bof": VerdictPartly,
	"no": VerdictNo, "non": VerdictNo, "n": VerdictNo, "❌": VerdictNo,
}

var stateWords = map[string]string{
	"ideal": StateIdeal, "future": StateIdeal, "souhaite": StateIdeal,
	"current": StateCurrent, "actuel": StateCurrent, "existant": StateCurrent,
}

var onlineWords = map[string]int{
	"online": 1, "en-ligne": 1, "digital": 1, "numerique": 1,
	"offline": -1, "hors-ligne": -1, "physique": -1, "in-person": -1,
}

// offlineChannel guesses that a channel is offline when its name says so; the
// online/offline keyword or the form field overrides the guess.
func offlineChannel(channel string) bool {
	c := normalize(channel)
	for _, w := range []string{"shop", "store", "phone", "call", "mail-postal", "boutique", "magasin", "telephone", "agence", "branch", "event", "salon", "courrier", "in-person", "face-to-face"} {
		if strings.Contains(c, w) {
			return true
		}
	}
	return false
}

var goalRef = regexp.MustCompile(`^[gG](\d{1,4})$`)

// ParseGoalRef reads "G3" (or "g3") and returns it as "G3".
func ParseGoalRef(s string) (string, bool) {
	m := goalRef.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", false
	}
	n, _ := strconv.Atoi(m[1])
	if n < 1 {
		return "", false
	}
	return "G" + strconv.Itoa(n), true
}

var touchpointRef = regexp.MustCompile(`^[tT](\d{1,4})$`)

// ParseTouchpointRef reads "T3" and returns 3.
func ParseTouchpointRef(s string) (int, bool) {
	m := touchpointRef.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	return n, n >= 1
}

// ParseDate reads a due date as 2026-12-15 or 15/12/2026 and returns it as
// 2026-12-15.
func ParseDate(s string) (string, bool) {
	for _, layout := range []string{"2006-01-02", "02/01/2006", "2/1/2006"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	return "", false
}
