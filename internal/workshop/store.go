package workshop

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Domain errors. The engine maps each to a sentence for the user in one
// place; adapters log the wrapped chain.
var (
	ErrNotFound       = errors.New("not found")
	ErrNotFacilitator = errors.New("only the facilitator can do that")
	ErrClosed         = errors.New("workshop is closed")
	ErrConflict       = errors.New("workshop changed concurrently")
	// ErrScoreRange: a score outside MinEmotion..MaxEmotion.
	ErrScoreRange = errors.New("score out of range")
)

// ThreadRef says which workshop step a Slack thread belongs to.
type ThreadRef struct {
	Workshop string `json:"workshop"`
	Step     Step   `json:"step"`
	Round    int    `json:"round,omitempty"`
}

// A store is split by role (Workshops, Threads, Claims, Reviews, People,
// Batch, Homes); Store is all of them. Every implementation passes the contract suite in
// internal/storetest.
//
// Writes that a chat platform may deliver twice are idempotent: inputs are
// keyed by their ID (the message ts), scores by touchpoint, user and round,
// and claims by key. Inputs and scores are written one record each, so two
// people replying at the same instant never overwrite each other.

// Workshops keeps workshops and what they collect: the domain's own data.
type Workshops interface {
	// NewID reserves the next workshop id: W1, W2, ...
	NewID(ctx context.Context) (string, error)
	// Create stores a new workshop and indexes it by channel (and by its
	// review's NextDue, as UpdateMeta does).
	Create(ctx context.Context, m *Meta) error
	// Load returns the workshop with all its inputs and scores.
	Load(ctx context.Context, id string) (*Workshop, error)
	// LoadMeta returns the workshop without its inputs and scores.
	LoadMeta(ctx context.Context, id string) (*Meta, error)
	// UpdateMeta applies fn to the stored meta and saves the result, bumping
	// Rev, unless the meta changed meanwhile, in which case it reloads and
	// applies fn again. When fn returns an error nothing is saved and that
	// error is returned.
	//
	// UpdateMeta keeps the due index (see Due) in step with the saved
	// Review: a workshop whose review is active is indexed at its NextDue,
	// any other is not indexed.
	UpdateMeta(ctx context.Context, id string, fn func(*Meta) error) (*Meta, error)
	// PutInput stores in under in.ID. It reports false, and changes nothing,
	// when the same ID is stored with the same or a newer Version, or was
	// deleted.
	PutInput(ctx context.Context, workshop string, in Input) (bool, error)
	// DeleteInput removes an input and remembers the deletion, so a late
	// retry of the original reply cannot bring it back. It reports whether
	// an input was removed.
	DeleteInput(ctx context.Context, workshop, inputID string) (bool, error)
	// PutScore stores one participant's score for a touchpoint, replacing
	// their earlier score in the same round. A score out of range (see
	// Score.Validate) is refused with ErrScoreRange and nothing is written.
	PutScore(ctx context.Context, workshop string, s Score) error
	// PutMark stores a person's mark, replacing their earlier one of the
	// same kind and key (Mark.Field). An invalid mark (Mark.Validate) is
	// refused with ErrMark and nothing is written.
	PutMark(ctx context.Context, workshop string, m Mark) error
	// Counts returns how many items each step holds, kept on every input
	// write, so the acknowledgement path can check a reply against the map
	// (does goal G7 exist?) without loading the workshop. Counts.Known is
	// false for a workshop stored before counts were kept.
	Counts(ctx context.Context, id string) (Counts, error)
	// List returns the workshops of channel (every workshop when channel is
	// ""), newest first.
	List(ctx context.Context, channel string) ([]Summary, error)
}

// Threads maps chat threads to the workshop steps they collect input for.
type Threads interface {
	// BindThread records that replies in the thread (channel, ts) belong to
	// ref.
	BindThread(ctx context.Context, channel, ts string, ref ThreadRef) error
	// Thread returns what BindThread recorded, or ErrNotFound.
	Thread(ctx context.Context, channel, ts string) (ThreadRef, error)
}

// Claims lets one of many processes take a piece of work (an event, a reminder) for itself.
type Claims interface {
	// Claim sets key for ttl if nobody holds it and reports whether this
	// caller got it. Deduplication of events and of reminders rests on it.
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Reviews finds the workshops whose review reminder is due.
type Reviews interface {
	// Due returns up to limit ids of workshops whose review reminder is due
	// at or before until, earliest first. The index is a hint that may run
	// early, never late: a caller reloads the meta and trusts
	// Meta.Review.NextDue. Saving an unchanged meta (UpdateMeta with a
	// function that changes nothing) re-indexes a workshop exactly.
	Due(ctx context.Context, until time.Time, limit int) ([]string, error)
}

// People caches the display names of the people inputs refer to.
type People interface {
	// PutName caches a person's display name for ttl (for good when ttl is
	// zero or less); a later PutName for the same id replaces it.
	PutName(ctx context.Context, id, name string, ttl time.Duration) error
	// Names returns the cached display names of ids; an id whose name is
	// unknown or expired is absent from the result.
	Names(ctx context.Context, ids []string) (Names, error)
}

// Homes remembers the people who have opened the app's home and the
// channels they were in then, so that a change to a workshop re-publishes
// the homes that show it, from whichever replica made the change. A home is
// versioned, so that replicas publishing one person's home at the same time
// can tell which of them read the store last.
type Homes interface {
	// PutHome remembers for ttl that user has a home showing the workshops
	// of channels (the channels they are in). It replaces what was
	// remembered, channels left included, and keeps the home's version.
	PutHome(ctx context.Context, user string, channels []string, ttl time.Duration) error
	// HomesFor returns, sorted and without repeats, the users with a
	// remembered home who were in channel when it was remembered, or are
	// among users.
	HomesFor(ctx context.Context, channel string, users []string) ([]string, error)
	// BeginHome starts a publication of user's home, before what it shows
	// is read: it returns a version higher than any it returned since the
	// home was first remembered (a forgotten home may start again from 1),
	// and the channels remembered. ok is false, and nothing changes, when no home is
	// remembered (never opened, or forgotten after its ttl).
	BeginHome(ctx context.Context, user string) (version int64, channels []string, ok bool, err error)
	// ClaimHome reports whether no publication of user's home with a
	// version above version has claimed it, and claims it for version if
	// so. A publisher claims before it publishes, and again after: false
	// then means a later publication overlapped its own, which may have
	// landed first. A home no longer remembered is claimed by anyone.
	ClaimHome(ctx context.Context, user string, version int64) (bool, error)
}

// Store is every role together, as a store implementation provides them;
// each user takes only the roles it needs.
type Store interface {
	Workshops
	Threads
	Claims
	Reviews
	People
	Batch
	Homes
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// Loader is what Open needs of a store.
type Loader interface {
	Load(ctx context.Context, id string) (*Workshop, error)
	Names(ctx context.Context, ids []string) (Names, error)
}

// Open loads a workshop with the display names of the people in it (see
// Workshop.People), which is what rendering it needs. Names are a cache: when they
// cannot be read the workshop is returned with ids for names, and the error
// is nil.
func Open(ctx context.Context, s Loader, id string) (*Workshop, error) {
	w, err := s.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	if ids := w.People(); len(ids) > 0 {
		if names, err := s.Names(ctx, ids); err == nil {
			w.Names = names
		}
	}
	return w, nil
}

// Counts are a workshop's item totals per step (Input.Items summed over its
// stored inputs), for checks on the acknowledgement path.
type Counts struct {
	// Known is false when the workshop predates counting; callers then
	// derive the counts from the whole workshop.
	Known bool
	Items map[Step]int
	// People are the contributors (authors of stored inputs, and people
	// who scored), in the order they first contributed.
	People []string
	// MapType is the map type of the latest input that chose one ("" when
	// none did).
	MapType string
	// StepsKnown says the store kept StepPeople since the workshop was
	// created; without it callers derive a step's contributors from the
	// whole workshop (Workshop.StepContributors).
	StepsKnown bool
	// StepPeople are the authors of the stored inputs of each step, per
	// review round, in no particular order.
	StepPeople map[StepRound][]string
}

// StepRound is one step of one review round.
type StepRound struct {
	Step  Step
	Round int
}

// MetaSwap is one compare-and-set of Batch.SwapMetas: Next replaces the
// stored meta while it is still Read.
type MetaSwap struct {
	Read, Next *Meta
}

// MarshalText writes "<step>|<round>", so Counts reads as JSON.
func (sr StepRound) MarshalText() ([]byte, error) {
	return fmt.Appendf(nil, "%s|%d", sr.Step.Key(), sr.Round), nil
}

// StepContributors returns the authors of the inputs stored for step in
// round, as Workshop.StepContributors does for a loaded workshop; false
// when the store did not keep them (StepsKnown).
func (c Counts) StepContributors(step Step, round int) ([]string, bool) {
	if !c.StepsKnown {
		return nil, false
	}
	return c.StepPeople[StepRound{step, round}], true
}

// Batch is a store that reads and writes many workshops in one round trip
// per call (Redis pipelines them, a Cluster client one batch per node): the
// scheduler's nudge passes use it when the store has it, so a pass costs a
// few round trips however many workshops are due.
type Batch interface {
	// LoadMetas returns the metas of ids, in order; nil for an id not
	// found.
	LoadMetas(ctx context.Context, ids []string) ([]*Meta, error)
	// CountsOf returns the Counts of ids, in order.
	CountsOf(ctx context.Context, ids []string) ([]Counts, error)
	// SwapMetas saves each swap's Next, a changed copy of Read, unless the
	// stored meta changed since Read was read (its Rev moved) or is gone; it
	// reports, in order, which were saved. A saved Next gets Rev bumped and
	// is re-indexed as UpdateMeta does.
	SwapMetas(ctx context.Context, swaps []MetaSwap) ([]bool, error)
	// ClaimAll is Claim for many keys: whether this caller got each.
	ClaimAll(ctx context.Context, keys []string, ttl time.Duration) ([]bool, error)
}

// HeaderReader is a store that reads a workshop's meta and totals in one
// round trip (Redis does, in one MULTI): what a header shows.
type HeaderReader interface {
	MetaAndCounts(ctx context.Context, id string) (*Meta, Counts, error)
}

// CountsReader is a store that reads the totals of many workshops in one
// round trip (Redis does, in one pipeline): what a home needs to find the
// workshops a person contributed to.
type CountsReader interface {
	CountsOf(ctx context.Context, ids []string) ([]Counts, error)
}

// CountsOf reads the totals of each of ids, in order, in one round trip
// when the store can.
func CountsOf(ctx context.Context, s Workshops, ids []string) ([]Counts, error) {
	if cr, ok := s.(CountsReader); ok {
		return cr.CountsOf(ctx, ids)
	}
	out := make([]Counts, len(ids))
	for i, id := range ids {
		c, err := s.Counts(ctx, id)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// MetaAndCounts reads a workshop's meta and totals, in one round trip when
// the store can.
func MetaAndCounts(ctx context.Context, s Workshops, id string) (*Meta, Counts, error) {
	if hr, ok := s.(HeaderReader); ok {
		return hr.MetaAndCounts(ctx, id)
	}
	m, err := s.LoadMeta(ctx, id)
	if err != nil {
		return nil, Counts{}, err
	}
	c, err := s.Counts(ctx, id)
	if err != nil {
		return nil, Counts{}, err
	}
	return m, c, nil
}
