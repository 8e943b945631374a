package app

import (
	"bytes"
	"context"

	"github.com/journeybot/journeybot/internal/page"
	"github.com/journeybot/journeybot/internal/pdf"
)

// pdfs draws the engine's PDF exports with the pdf package.
type pdfs struct{}

func (pdfs) RenderPDF(_ context.Context, s page.Sheet) ([]byte, error) {
	var buf bytes.Buffer
	if err := pdf.Render(&buf, s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
