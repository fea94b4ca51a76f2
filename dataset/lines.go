package dataset

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/driftrec/driftrec"
)

// maxLine bounds one line of any source, so that a file without line
// breaks cannot make a reader allocate without limit.
const maxLine = 1 << 20

// lineReader yields the lines of a text file with their 1-based numbers.
type lineReader struct {
	sc   *bufio.Scanner
	file string
	line int
}

func newLineReader(r io.Reader, file string) *lineReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	return &lineReader{sc: sc, file: file}
}

// next returns the next line without its line break (and without a
// trailing carriage return), or ok false at the end.
func (l *lineReader) next() (string, bool) {
	if !l.sc.Scan() {
		return "", false
	}
	l.line++
	return strings.TrimSuffix(l.sc.Text(), "\r"), true
}

// err reports why reading stopped early, if it did.
func (l *lineReader) err() error {
	err := l.sc.Err()
	if err == nil {
		return nil
	}
	if errors.Is(err, bufio.ErrTooLong) {
		return fmt.Errorf("%s:%d: line longer than %d bytes", l.file, l.line+1, maxLine)
	}
	return fmt.Errorf("%s:%d: %w", l.file, l.line+1, err)
}

// errorf formats an error at the current line.
func (l *lineReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", l.file, l.line, fmt.Sprintf(format, args...))
}

// latin1 returns s as UTF-8: unchanged if it already is, otherwise decoded
// as ISO 8859-1, the encoding of the older MovieLens releases' titles.
func latin1(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out, err := charmap.ISO8859_1.NewDecoder().String(s)
	if err != nil {
		// ISO 8859-1 maps every byte; an error here is impossible, but a
		// lossy fallback is still better than failing a whole load.
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}

// parseID checks a user or item identifier.
func parseID(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if err := driftrec.ValidateID(field, s); err != nil {
		return "", err
	}
	return s, nil
}

// parseUnix parses integral Unix seconds.
func parseUnix(s string) (time.Time, error) {
	sec, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || sec < 0 || sec > 253402300799 {
		return time.Time{}, fmt.Errorf("timestamp %q is not Unix seconds", s)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// parseRating parses a finite rating.
func parseRating(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("rating %q is not a number", s)
	}
	return v, nil
}

// rating builds a rating interaction from its four text fields.
func rating(user, item, value, ts string, order int) (Interaction, error) {
	u, err := parseID("user", user)
	if err != nil {
		return Interaction{}, err
	}
	it, err := parseID("item", item)
	if err != nil {
		return Interaction{}, err
	}
	v, err := parseRating(value)
	if err != nil {
		return Interaction{}, err
	}
	t, err := parseUnix(ts)
	if err != nil {
		return Interaction{}, err
	}
	return Interaction{User: u, Item: it, Type: driftrec.EventRating, Value: v, HasValue: true, Time: t, Order: order}, nil
}
