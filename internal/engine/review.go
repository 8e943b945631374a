package engine

import "context"

// cmdReview schedules review reminders. The scheduler arrives with the
// reviews work (issue 5); until then the command says so plainly.
func (e *Engine) cmdReview(ctx context.Context, c *call) error {
	if _, err := e.workshop(ctx, c); err != nil {
		return err
	}
	return problem("error.review_unavailable")
}
