package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
)

// files.completeUploadExternal answers with the files it shared, each with
// its permalink, but slack-go keeps only their ids and titles. A request
// whose context carries a fileLink has that answer read on its way back by
// the client's transport (linkTransport, installed by Connect), which
// leaves the body as it was for slack-go.

type fileLinkKey struct{}

// fileLink receives the permalink of the file an upload shared.
type fileLink struct {
	mu  sync.Mutex
	url string
}

func (l *fileLink) set(url string) {
	l.mu.Lock()
	l.url = url
	l.mu.Unlock()
}

func (l *fileLink) get() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.url
}

// withFileLink has the uploads under ctx report their file's permalink to l.
func withFileLink(ctx context.Context, l *fileLink) context.Context {
	return context.WithValue(ctx, fileLinkKey{}, l)
}

// linkTransport reads the permalink of a shared file from the answer of
// files.completeUploadExternal, for the request that asked (withFileLink).
type linkTransport struct{ next http.RoundTripper }

func (t linkTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	l, ok := req.Context().Value(fileLinkKey{}).(*fileLink)
	if err != nil || !ok || resp.StatusCode != http.StatusOK || !strings.HasSuffix(req.URL.Path, "/files.completeUploadExternal") {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var answer struct {
		Files []struct {
			Permalink string `json:"permalink"`
		} `json:"files"`
	}
	// Only an address of Slack's own goes into a canvas link.
	if json.Unmarshal(body, &answer) == nil && len(answer.Files) == 1 && strings.HasPrefix(answer.Files[0].Permalink, "https://") {
		l.set(answer.Files[0].Permalink)
	}
	return resp, nil
}
