package console_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestConsoleInBrowser drives the console in headless Chromium against
// the real binary serving the bundled demo, with a real evaluation report
// written by "driftrec eval" on the small MovieLens sample in
// eval/testdata. It opens a user, moves the α slider and checks that the
// list re-ranks; runs the seed's worked example in the stateless mode;
// searches the catalogue; renders the evaluation; and fails on any
// script error, failed request or Content-Security-Policy violation.
//
// Screenshots go to $DRIFTREC_ARTIFACTS/console when that is set, else to
// the test's artefact folder (go test -artifacts keeps it); the path is
// logged.
//
// The test needs Chromium at /usr/bin/chromium (scripts/install-test-deps.sh
// installs it) or at $DRIFTREC_CHROMIUM. Without it the test fails;
// DRIFTREC_SKIP_BROWSER=1 skips it on a developer machine.
func TestConsoleInBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	root := moduleRoot(t)
	bin := buildDriftrec(t, root)
	report := writeEvalReport(t, bin, root)
	base := startServer(t, bin, root, "-demo", "-eval-report", report)
	shots := artifactDir(t)
	b := newBrowser(t, chromium, shots)

	// The user page: interests, drift chart, session, map.
	b.do("open a user",
		chromedp.Navigate(base+"/#/users"),
		chromedp.WaitVisible(css(`#user-list a[href="#/users/chen"]`)),
		chromedp.Click(css(`#user-list a[href="#/users/chen"]`)),
		chromedp.WaitVisible(css(`.user-name`)),
		chromedp.WaitVisible(css(`.interests li`)),
		chromedp.WaitVisible(css(`.map-view svg`)),
	)
	b.shot("01-user-chen.png")
	userName := value(b, "user name", chromedp.Text(css(`.user-name`)))
	interests := value(b, "interests", chromedp.Evaluate[int](`document.querySelectorAll('.interests > li').length`))
	mapPoints := value(b, "map points", chromedp.Evaluate[int](`document.querySelectorAll('.map-view svg circle').length`))
	driftPaths := value(b, "drift paths", chromedp.Evaluate[int](`document.querySelectorAll('svg.chart .series path').length`))
	if userName != "chen" || interests < 2 || mapPoints < 5 || driftPaths < interests {
		t.Fatalf("user page: name %q, %d interests, %d map points, %d drift paths", userName, interests, mapPoints, driftPaths)
	}

	// The explorer for that user; α moves the list.
	b.do("explore the user's recommendations",
		chromedp.Click(css(`a.button[href="#/explore?user=chen"]`)),
		chromedp.WaitVisible(css(`#results li.rec`)),
		chromedp.WaitVisible(css(`.map-view svg`)),
	)
	before := b.listAfter(nil)
	b.shot("02-explorer-alpha-0.50.png")
	if shown := value(b, "α", chromedp.Text(css(`#alpha-value`))); shown != "0.50" {
		t.Fatalf("explorer starts at α %q, want 0.50", shown)
	}
	b.do("move α to 1 with the keyboard", chromedp.Focus(css(`#alpha`)), chromedp.KeyEvent(kb.End))
	atOne := b.listAfter(before)
	b.shot("03-explorer-alpha-1.00.png")
	if shown, meta := value(b, "α", chromedp.Text(css(`#alpha-value`))), value(b, "meta", chromedp.Text(css(`#results-meta`))); shown != "1.00" || !strings.Contains(meta, "α used 1.00") {
		t.Fatalf("after α=1: shown %q, meta %q", shown, meta)
	}
	b.do("move α to 0", chromedp.KeyEvent(kb.Home))
	atZero := b.listAfter(atOne)
	meta := value(b, "meta", chromedp.Text(css(`#results-meta`)))
	moves := value(b, "movement marks", chromedp.Evaluate[int](`document.querySelectorAll('#results .move').length`))
	if !strings.Contains(meta, "α used 0.00") || moves == 0 {
		t.Fatalf("after α=0: meta %q, %d movement marks", meta, moves)
	}
	t.Logf("chen at α 0.5: %v; α 1: %v; α 0: %v", before, atOne, atZero)

	// Stateless mode, pre-filled with the seed's worked example: at α = 0.2
	// the insole D comes first.
	b.do("the seed example, stateless",
		chromedp.Click(css(`label[for="mode-events"]`)),
		chromedp.WaitVisible(css(`#history`)),
		chromedp.Focus(css(`#alpha`)),
		chromedp.KeyEvent(kb.Home),
		chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight),
		chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight),
	)
	b.waitFor("the list at α 0.20", `document.querySelector('#results-meta').textContent.startsWith('α used 0.20') &&
		document.querySelector('#results').getAttribute('aria-busy') === 'false'`)
	b.shot("04-explorer-stateless-seed.png")
	first := value(b, "first item", chromedp.Evaluate[[]string](`[document.querySelector('#results li.rec').dataset.id, document.querySelector('#results li.rec .title').textContent]`))
	if first[0] != "D" || first[1] != "跑鞋垫" {
		t.Fatalf("stateless seed example: first item %v, want D 跑鞋垫", first)
	}

	// The catalogue: search, open an item, follow a neighbour.
	b.do("search the catalogue",
		chromedp.Navigate(base+"/#/catalogue"),
		chromedp.WaitVisible(css(`#search-q`)),
		chromedp.SendKeys(css(`#search-q`), "coffee mug"+kb.Enter),
		chromedp.WaitVisible(css(`#search-results button.hit`)),
		chromedp.WaitVisible(css(`#item-detail .neighbours li`)),
	)
	neighbour := value(b, "neighbour", chromedp.Text(css(`#item-detail .neighbours li button`)))
	b.do("follow a neighbour", chromedp.Click(css(`#item-detail .neighbours li button`)))
	b.waitFor("the neighbour's page", fmt.Sprintf(`(document.querySelector('#item-detail h3[tabindex]') || {}).textContent === %q`, neighbour))
	b.shot("05-catalogue.png")

	// The evaluation report, with its plot.
	b.do("render the evaluation",
		chromedp.Navigate(base+"/#/eval"),
		chromedp.WaitVisible(css(`table.metrics`)),
		chromedp.WaitVisible(css(`.plot img`)),
	)
	// Plots load lazily, as a reader scrolls to them: bring each one that
	// has not loaded into view, as a reader would, until all have.
	b.waitFor("the plot", `[...document.querySelectorAll('.plot img')].every((img) => {
		if (img.complete && img.naturalWidth > 0) return true;
		img.scrollIntoView({block: 'center'});
		return false;
	})`)
	b.shot("06-evaluation.png")
	if best := value(b, "best method", chromedp.Text(css(`.notice.good`))); !strings.Contains(best, "Chosen on validation") {
		t.Fatalf("evaluation notice %q", best)
	}

	// Without a report, the view says how to make one.
	empty := startServer(t, bin, root, "-encoder", "lexical", "-eval-report", filepath.Join(t.TempDir(), "report.json"))
	b.do("an empty evaluation", chromedp.Navigate(empty+"/#/eval"), chromedp.WaitVisible(css(`.eval .empty-title`)))
	if title, text := value(b, "empty state", chromedp.Text(css(`.eval .empty-title`))), value(b, "empty state", chromedp.Text(css(`.eval .empty`))); title != "No evaluation report yet" || !strings.Contains(text, "driftrec eval") {
		t.Fatalf("empty evaluation view: %q %q", title, text)
	}
	b.shot("06b-evaluation-empty.png")

	// Keyboard users start at the skip link, which shows when focused.
	b.do("keyboard entry",
		// A new address loads the page afresh, as a visitor arrives.
		chromedp.Navigate(base+"/?fresh#/users"),
		chromedp.WaitVisible(css(`#user-list a`)),
		chromedp.KeyEvent(kb.Tab),
	)
	focused := value(b, "focus", chromedp.Evaluate[string](`document.activeElement.className`))
	top := value(b, "skip link position", chromedp.Evaluate[float64](`document.activeElement.getBoundingClientRect().top`))
	if focused != "skip-link" || top < 0 {
		t.Fatalf("the first Tab focuses %q at top %v, want the visible skip link", focused, top)
	}

	// The dark scheme, for the screenshots.
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	}); err != nil {
		b.fail("emulate the dark scheme", err)
	}
	b.do("the user page in the dark scheme",
		chromedp.Navigate(base+"/#/users/chen"),
		chromedp.WaitVisible(css(`.map-view svg`)),
	)
	b.shot("07-user-chen-dark.png")

	if v := value(b, "CSP violations", chromedp.Evaluate[[]string](`window.__cspViolations || []`)); len(v) > 0 {
		t.Errorf("Content-Security-Policy violations: %v", v)
	}
	// The empty evaluation's 404 is the one failed request expected.
	var unexpected []string
	for _, p := range b.problems.list() {
		if !(strings.Contains(p, "status of 404") && strings.HasSuffix(p, empty+"/v1/eval/report")) {
			unexpected = append(unexpected, p)
		}
	}
	if p := unexpected; len(p) > 0 {
		t.Errorf("the browser reported problems:\n%s", strings.Join(p, "\n"))
	}
	t.Logf("screenshots in %s", shots)
}

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// stepTimeout bounds each browser step; the console answers in
// milliseconds, so this only ends a test that is stuck.
const stepTimeout = 60 * time.Second

// browser is a Chromium tab and what the test collects from it.
type browser struct {
	t        *testing.T
	ctx      context.Context
	shots    string
	problems *problemLog
}

// do runs steps, failing the test with a screenshot of the page.
func (b *browser) do(step string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail(step, err)
	}
}

func (b *browser) fail(step string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if buf, serr := chromedp.Run(ctx, chromedp.FullScreenshot(100)); serr == nil {
		_ = os.WriteFile(filepath.Join(b.shots, "failed.png"), buf, 0o644)
	}
	b.t.Fatalf("%s: %v\nbrowser problems: %v\nscreenshots: %s", step, err, b.problems.list(), b.shots)
}

// value runs one action and returns its value.
func value[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fail("read "+what, err)
	}
	return v
}

func (b *browser) shot(name string) {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fail("screenshot "+name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name), buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// waitFor polls a JavaScript condition until it holds.
func (b *browser) waitFor(what, cond string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		b.fail("wait for "+what, err)
	}
}

// listAfter waits until the recommendation list is settled and differs
// from prev, and returns its item IDs.
func (b *browser) listAfter(prev []string) []string {
	b.t.Helper()
	prevJSON := "[]"
	if prev != nil {
		q := make([]string, len(prev))
		for i, id := range prev {
			q[i] = fmt.Sprintf("%q", id)
		}
		prevJSON = "[" + strings.Join(q, ",") + "]"
	}
	b.waitFor("the list to change", `(() => {
		const ids = [...document.querySelectorAll('#results li.rec')].map((li) => li.dataset.id);
		return document.querySelector('#results').getAttribute('aria-busy') === 'false' && ids.length > 0 &&
			ids.join(',') !== `+prevJSON+`.join(',');
	})()`)
	return value(b, "the list", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#results li.rec')].map((li) => li.dataset.id)`))
}

func chromiumPath(t *testing.T) string {
	t.Helper()
	if os.Getenv("DRIFTREC_SKIP_BROWSER") == "1" {
		t.Skip("DRIFTREC_SKIP_BROWSER=1: the browser test is skipped (CI never sets this)")
	}
	for _, p := range []string{os.Getenv("DRIFTREC_CHROMIUM"), "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	t.Fatal("Chromium not found at /usr/bin/chromium: run scripts/install-test-deps.sh, or set DRIFTREC_CHROMIUM to a Chromium binary " +
		"(DRIFTREC_SKIP_BROWSER=1 skips this test on a developer machine without one)")
	return ""
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found above the console package: %v", err)
	}
	return root
}

// buildDriftrec builds the binary the way scripts/run.sh does.
func buildDriftrec(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "driftrec")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/driftrec")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeEvalReport runs a real, small evaluation for the console to show.
func writeEvalReport(t *testing.T, bin, root string) string {
	t.Helper()
	report := filepath.Join(t.TempDir(), "eval", "report.json")
	if err := os.MkdirAll(filepath.Dir(report), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "eval", "-data", filepath.Join(root, "eval", "testdata", "ml-mini"), "-out", report,
		"-encoders", "lexical", "-resamples", "200", "-quiet")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("driftrec eval: %v\n%s", err, out)
	}
	return report
}

// startServer runs "driftrec serve" with args on a free port and returns
// its URL; the server is stopped when the test ends.
func startServer(t *testing.T, bin, root string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "-addr", "127.0.0.1:0", "-data-dir", t.TempDir(),
		"-models", filepath.Join(root, "models"), "-log-level", "warn"}, args...)...)
	var logs syncBuffer
	cmd.Stderr = &logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				urls <- u
			}
		}
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case u := <-urls:
		return u
	case <-done:
		t.Fatalf("driftrec serve exited before listening:\n%s", logs.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("driftrec serve did not start in 2 minutes:\n%s", logs.String())
	}
	return ""
}

func artifactDir(t *testing.T) string {
	t.Helper()
	dir := t.ArtifactDir()
	if env := os.Getenv("DRIFTREC_ARTIFACTS"); env != "" {
		dir = filepath.Join(env, "console")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots go to %s", dir)
	return dir
}

// problemLog collects what the browser reports as going wrong.
type problemLog struct {
	mu    sync.Mutex
	items []string
}

func (p *problemLog) add(s string) {
	p.mu.Lock()
	p.items = append(p.items, s)
	p.mu.Unlock()
}

func (p *problemLog) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.items...)
}

// newBrowser starts headless Chromium with the flags that keep it from
// reaching for the network, in a fresh profile, and collects every error
// the page reports: exceptions, console errors, failed loads, policy
// violations.
func newBrowser(t *testing.T, chromium, shots string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.WindowSize(1440, 1000),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, shots: shots, problems: &problemLog{}}
	// The first action starts the browser and binds its life to the
	// context it is given, so it gets ctx itself; the steps get timeouts.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium %s: %v", chromium, err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == "error" || m.Type == "assert" {
				b.problems.add(fmt.Sprintf("%s (%s) %s %s", m.Type, m.Source, m.Text, m.URL))
			}
		}
	}()
	// Record policy violations from the first script of every page on.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`,
	}); err != nil {
		t.Fatalf("install the policy listener: %v", err)
	}
	return b
}

// syncBuffer is a bytes.Buffer safe for the writer goroutine of exec.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ io.Writer = (*syncBuffer)(nil)
