package slack

// WaitIdle waits until no background work is in flight (header timers
// included), for tests that look at the store between requests.
func (b *Bot) WaitIdle() { b.tasks.Wait() }
