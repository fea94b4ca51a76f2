package main

import (
	"io"

	"github.com/schollz/progressbar/v3"
)

// progressReader wraps r in a byte-counting progress bar with rate and
// ETA; quiet disables it. done finishes the bar.
func progressReader(r io.Reader, size int64, desc string, quiet bool, w io.Writer) (io.Reader, func()) {
	if quiet {
		return r, func() {}
	}
	bar := progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionOnCompletion(func() { io.WriteString(w, "\n") }),
	)
	pr := progressbar.NewReader(r, bar)
	return &pr, func() { _ = bar.Finish() }
}

// stageBars shows one bar per stage of an engine.Progress callback.
type stageBars struct {
	quiet bool
	w     io.Writer
	stage string
	bar   *progressbar.ProgressBar
}

func newStageBars(quiet bool, w io.Writer) *stageBars { return &stageBars{quiet: quiet, w: w} }

func (s *stageBars) update(stage string, done, total int) {
	if s.quiet {
		return
	}
	if stage != s.stage || s.bar == nil {
		s.finish()
		s.stage = stage
		s.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(s.w),
			progressbar.OptionSetDescription(stage),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionOnCompletion(func() { io.WriteString(s.w, "\n") }),
		)
	}
	_ = s.bar.Set(done)
}

func (s *stageBars) finish() {
	if s.bar != nil {
		_ = s.bar.Finish()
		s.bar = nil
	}
}
