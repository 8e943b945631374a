package slack

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	goslack "github.com/slack-go/slack"

	"github.com/journeybot/journeybot/internal/engine"
	"github.com/journeybot/journeybot/internal/rich"
	"github.com/journeybot/journeybot/internal/workshop"
)

// callbackRate is the rating form's callback id.
const callbackRate = "rate"

// ratePage is how many changes one page of the rating form holds: each
// takes three blocks (the change, its impact, its effort) of a modal's
// 100, and twenty is what a person rates at once.
const ratePage = 20

// The two selects of a change in the rating form: block "C3.impact" holds
// action "impact".
const (
	rateImpact = "impact"
	rateEffort = "effort"
)

// rateView lets one participant rate the changes of one page (from 0):
// each change with two static selects, impact and effort from 1 to 5,
// starting from the ratings they gave before. More changes than a page
// are rated page by page, as the score form does: each page's submit
// saves it and opens the next.
func (b *Bot) rateView(w *workshop.Workshop, user string, page int) goslack.ModalViewRequest {
	lang, m := w.Lang, w.Map()
	pages := max(1, (len(m.Changes)+ratePage-1)/ratePage)
	page = max(0, min(page, pages-1))
	from, to := page*ratePage, min((page+1)*ratePage, len(m.Changes))
	blocks := []goslack.Block{goslack.NewSectionBlock(mrkdwn(cut(mrkdwnOf(b.eng.R(lang, "form.rate.intro")), maxSectionText)), nil, nil)}
	submit := b.eng.T(lang, "form.submit")
	if pages > 1 {
		key := "form.rate.last_page"
		if page < pages-1 {
			submit, key = b.eng.T(lang, "form.next_page"), "form.rate.page"
		}
		blocks = append(blocks, goslack.NewContextBlock("", mrkdwn(cut(mrkdwnOf(b.eng.R(lang, key, "from", from+1, "to", to, "total", len(m.Changes), "next", submit)), maxContextText))))
	}
	var opts []*goslack.OptionBlockObject
	for v := workshop.MinRating; v <= workshop.MaxRating; v++ {
		opts = append(opts, option(strconv.Itoa(v), b.eng.T(lang, "form.rate.value."+strconv.Itoa(v))))
	}
	for _, c := range m.Changes[from:to] {
		text := rich.Concat(rich.Styled(c.ID, rich.Code), rich.Plain(" "), engine.UserText(c.Text))
		blocks = append(blocks, goslack.NewSectionBlock(mrkdwn(cut(mrkdwnOf(text), maxSectionText)), nil, nil))
		mine, rated := w.MyRating(c.Key, user)
		for _, part := range []string{rateImpact, rateEffort} {
			sel := goslack.NewOptionsSelectBlockElement(goslack.OptTypeStatic, plainText(cut(b.eng.T(lang, "form.choose"), maxPlaceholder)), part, opts...)
			v := mine.Impact
			if part == rateEffort {
				v = mine.Effort
			}
			if rated && v >= workshop.MinRating && v <= workshop.MaxRating {
				sel.InitialOption = opts[v-workshop.MinRating]
			}
			label := c.ID + " · " + b.eng.T(lang, "form.rate."+part)
			input := goslack.NewInputBlock(c.ID+"."+part, plainText(cut(label, maxInputLabel)), nil, sel)
			input.Optional = true
			blocks = append(blocks, input)
		}
	}
	meta := w.ID + " " + workshop.Iterate.Key()
	if page < pages-1 {
		meta += " " + strconv.Itoa(page+1) // the page the submit opens
	}
	return goslack.ModalViewRequest{
		Type:            goslack.VTModal,
		CallbackID:      callbackRate,
		Title:           plainText(cut(b.eng.T(lang, "form.rate.title"), maxModalTitle)),
		Submit:          plainText(cut(submit, maxModalTitle)),
		Close:           plainText(cut(b.eng.T(lang, "form.cancel"), maxModalTitle)),
		PrivateMetadata: meta,
		Blocks:          goslack.Blocks{BlockSet: blocks},
	}
}

// rateChoices reads a submitted rating form: each change given both an
// impact and an effort, and, keyed by block, the changes given only one
// of the two (the part missing), which the form refuses.
func rateChoices(values map[string]map[string]goslack.BlockAction) (map[int]engine.RatingChoice, map[string]string) {
	type half struct{ impact, effort int }
	halves := map[int]*half{}
	for block, acts := range values {
		ref, part, ok := strings.Cut(block, ".")
		n, isChange := workshop.ParseChangeRef(ref)
		if !ok || !isChange || (part != rateImpact && part != rateEffort) {
			continue
		}
		v, err := strconv.Atoi(fieldValue(acts[part]))
		if err != nil || v < workshop.MinRating || v > workshop.MaxRating {
			continue
		}
		h := halves[n]
		if h == nil {
			h = &half{}
			halves[n] = h
		}
		if part == rateImpact {
			h.impact = v
		} else {
			h.effort = v
		}
	}
	choices := map[int]engine.RatingChoice{}
	missing := map[string]string{}
	for n, h := range halves {
		switch {
		case h.impact == 0:
			missing[fmt.Sprintf("C%d.%s", n, rateImpact)] = rateImpact
		case h.effort == 0:
			missing[fmt.Sprintf("C%d.%s", n, rateEffort)] = rateEffort
		default:
			choices[n] = engine.RatingChoice{Impact: h.impact, Effort: h.effort}
		}
	}
	return choices, missing
}

// onRateSubmit handles the rating form: a change given an impact without
// an effort (or the reverse) is refused on the missing select, and
// nothing of the page is saved; otherwise the ratings are saved after the
// acknowledgement, and a page that is not the last opens the next.
func (b *Bot) onRateSubmit(ctx context.Context, id, user string, meta []string, values map[string]map[string]goslack.BlockAction) (any, error) {
	choices, missing := rateChoices(values)
	if len(missing) > 0 {
		lang := b.eng.DefaultLang()
		if w, err := b.store.Load(ctx, id); err == nil {
			lang = w.Lang
		}
		errs := map[string]string{}
		for block, part := range missing {
			errs[block] = cut(b.eng.T(lang, "form.rate.need_"+part), 150)
		}
		return goslack.NewErrorsViewSubmissionResponse(errs), nil
	}
	if len(choices) > 0 || len(meta) < 3 {
		// A page left empty on the way to the next says nothing; an empty
		// last page says that nothing was rated.
		b.spawn(ctx, "save ratings", func(ctx context.Context) error {
			return b.eng.SaveRatings(ctx, id, b.users.actor(ctx, user), choices)
		})
	}
	return b.nextPage(ctx, meta, id, user, b.rateView)
}
