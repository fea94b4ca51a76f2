package generate_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec/generate"
)

func TestDetectLanguage(t *testing.T) {
	tests := []struct {
		texts []string
		want  generate.Lang
	}{
		{[]string{"性价比高的运动鞋", "评价好的咖啡杯"}, generate.Chinese},
		{[]string{"camping tent", "sleeping bag"}, generate.English},
		{[]string{"Nike 跑鞋 42码"}, generate.Chinese},
		{[]string{"great noise cancelling headphones", "耳机"}, generate.English},
		{[]string{"12345", "!!!"}, generate.English},
		{nil, generate.English},
	}
	for _, tc := range tests {
		if got := generate.DetectLanguage(tc.texts...); got != tc.want {
			t.Errorf("DetectLanguage(%q) = %s, want %s", tc.texts, got, tc.want)
		}
	}
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]generate.Lang{"": "", "auto": "", "en": generate.English, "zh": generate.Chinese} {
		if got, err := generate.ParseLang(in); err != nil || got != want {
			t.Errorf("ParseLang(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := generate.ParseLang("fr"); err == nil {
		t.Error("ParseLang accepted fr")
	}
}

// chen is the seed's worked example as a profile summary.
var chen = generate.UserSummary{
	User: "chen",
	Interests: []generate.Interest{
		{Label: "性价比高的运动鞋", Share: 0.42, Count: 3, Exemplars: []string{"性价比高的运动鞋", "舒适的鞋垫"}},
		{Label: "跑步鞋", Share: 0.29, Count: 1, Newest: true},
		{Label: "口感好的面包", Share: 0.16, Count: 1},
		{Label: "评价好的咖啡杯", Share: 0.13, Count: 1, Fading: true},
	},
	Session: []string{"舒适的鞋垫", "运动鞋", "运动鞋"},
}

var alice = generate.UserSummary{
	User: "alice",
	Interests: []generate.Interest{
		{Label: "Camping sleeping bag", Share: 0.6, Count: 5, Newest: true},
		{Label: "Trail running shoes", Share: 0.4, Count: 4, Fading: true},
	},
	Session:  []string{"camping stove"},
	Rejected: []string{"gaming mouse"},
}

func TestSummaryTemplates(t *testing.T) {
	g := generate.New(nil)
	tests := []struct {
		name string
		in   generate.UserSummary
		lang generate.Lang
		want string
	}{
		{"chinese user", chen, generate.Chinese,
			"主要兴趣是「性价比高的运动鞋」（42%），其次是「跑步鞋」（29%）和「口感好的面包」（16%），另有1个较小的兴趣。" +
				"最近转向「跑步鞋」。正在减弱的兴趣：「评价好的咖啡杯」。当前会话：「舒适的鞋垫」、「运动鞋」。"},
		{"english user", alice, generate.English,
			"Mostly interested in “Camping sleeping bag” (60%), then “Trail running shoes” (40%). " +
				"Fading: “Trail running shoes”. Right now: “camping stove”. Rejects things like “gaming mouse”."},
		{"forced language", func() generate.UserSummary { u := alice; u.Lang = generate.Chinese; return u }(), generate.Chinese,
			"主要兴趣是「Camping sleeping bag」（60%），其次是「Trail running shoes」（40%）。" +
				"正在减弱的兴趣：「Trail running shoes」。当前会话：「camping stove」。不喜欢类似「gaming mouse」的内容。"},
		{"no profile", generate.UserSummary{User: "new"}, generate.English,
			"No interests yet: this user gets popular items until they search, view or rate something."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := g.Summarize(context.Background(), tc.in)
			if r.Source != generate.FromTemplate || r.Lang != tc.lang || r.Fallback != "" || r.Model != "" {
				t.Fatalf("result %+v", r)
			}
			if r.Text != tc.want {
				t.Fatalf("summary\n got %s\nwant %s", r.Text, tc.want)
			}
		})
	}
}

func TestExpandTemplate(t *testing.T) {
	g := generate.New(nil)
	tests := []struct {
		in   generate.Expansion
		want string
	}{
		{generate.Expansion{Query: "舒适的鞋垫", Related: []string{"跑鞋垫", "跑步鞋", "跑鞋垫", "篮球鞋", "面包"}},
			"舒适的鞋垫。相关：跑鞋垫；跑步鞋；篮球鞋。"},
		{generate.Expansion{Query: " coffee ", Related: []string{"coffee", "Whole bean espresso coffee", "Ceramic mug"}},
			"coffee. Related: Whole bean espresso coffee; Ceramic mug."},
		{generate.Expansion{Query: "tent"}, "tent"},
	}
	for _, tc := range tests {
		if r := g.Expand(context.Background(), tc.in); r.Text != tc.want || r.Source != generate.FromTemplate {
			t.Errorf("Expand(%q) = %+v, want %q", tc.in.Query, r, tc.want)
		}
	}
}

var reasons = []generate.Reason{
	{Item: "跑鞋垫", Interest: "性价比高的运动鞋", Share: 0.42,
		Because: []generate.Evidence{{Type: "query", Text: "舒适的鞋垫", Similarity: 0.83, Current: true}}},
	{Item: "咖啡杯", Interest: "评价好的咖啡杯", Share: 0.13,
		Because: []generate.Evidence{{Type: "query", Text: "评价好的咖啡杯", Similarity: 0.61}}},
	{Item: "面包", Interest: "口感好的面包", Share: 0.16},
	{Item: "热门商品", Popular: true},
}

func TestReasonTemplates(t *testing.T) {
	g := generate.New(nil)
	p := g.PhraseReasons(context.Background(), "", reasons)
	want := []string{
		"因为你在本次会话中搜索了「舒适的鞋垫」（相似度 0.83），符合你对「性价比高的运动鞋」的兴趣（占推荐的42%）。",
		"因为你之前搜索了「评价好的咖啡杯」（相似度 0.61），符合你对「评价好的咖啡杯」的兴趣（占推荐的13%）。",
		"符合你对「口感好的面包」的兴趣。",
		"当前其他用户喜欢的热门商品。",
	}
	if p.Lang != generate.Chinese || p.Source != generate.FromTemplate {
		t.Fatalf("phrased %+v", p)
	}
	for i := range want {
		if p.Reasons[i] != want[i] {
			t.Errorf("reason %d\n got %s\nwant %s", i, p.Reasons[i], want[i])
		}
	}
	en := g.PhraseReasons(context.Background(), generate.English, []generate.Reason{
		{Item: "Camping stove", Interest: "Camping", Share: 0.59, Because: []generate.Evidence{{Type: "add_to_cart", Text: "gas canister", Similarity: 0.5}}},
	})
	if got := en.Reasons[0]; got != "Because you added “gas canister” to your cart earlier (similarity 0.50); it fits your interest “Camping” (59% of your list)." {
		t.Errorf("english reason %s", got)
	}
	if empty := g.PhraseReasons(context.Background(), "", nil); empty.Reasons == nil || len(empty.Reasons) != 0 {
		t.Errorf("no items: %+v", empty)
	}
}

func TestGeneratorWithModel(t *testing.T) {
	var prompts []string
	tests := []struct {
		name     string
		reply    func(attempt int, w http.ResponseWriter)
		run      func(g *generate.Generator) (text string, src generate.Source, fallback string)
		wantText string
		wantSrc  generate.Source
		wantFB   string
	}{
		{
			name:  "summary from the model",
			reply: func(_ int, w http.ResponseWriter) { answer(w, "陈最近关注跑步装备。") },
			run: func(g *generate.Generator) (string, generate.Source, string) {
				r := g.Summarize(context.Background(), chen)
				return r.Text, r.Source, r.Fallback
			},
			wantText: "陈最近关注跑步装备。", wantSrc: generate.FromModel,
		},
		{
			name:  "summary falls back when the model fails",
			reply: func(_ int, w http.ResponseWriter) { http.Error(w, "model not loaded", http.StatusNotFound) },
			run: func(g *generate.Generator) (string, generate.Source, string) {
				r := g.Summarize(context.Background(), alice)
				return r.Text, r.Source, r.Fallback
			},
			wantText: "Mostly interested in “Camping sleeping bag” (60%)", wantSrc: generate.FromTemplate, wantFB: "model not loaded",
		},
		{
			name: "expansion from the model",
			reply: func(_ int, w http.ResponseWriter) {
				answer(w, "Lightweight, cushioned insoles that make running shoes comfortable.")
			},
			run: func(g *generate.Generator) (string, generate.Source, string) {
				r := g.Expand(context.Background(), generate.Expansion{Query: "comfy insoles", Related: []string{"跑鞋垫"}})
				return r.Text, r.Source, r.Fallback
			},
			wantText: "Lightweight, cushioned insoles", wantSrc: generate.FromModel,
		},
		{
			name: "reasons from the model, fenced",
			reply: func(_ int, w http.ResponseWriter) {
				answer(w, "```json\n[\"你刚搜索了鞋垫。\", \"你喜欢咖啡杯。\", \"你喜欢面包。\", \"很多人喜欢。\"]\n```")
			},
			run: func(g *generate.Generator) (string, generate.Source, string) {
				p := g.PhraseReasons(context.Background(), "", reasons)
				return strings.Join(p.Reasons, "|"), p.Source, p.Fallback
			},
			wantText: "你刚搜索了鞋垫。|你喜欢咖啡杯。|你喜欢面包。|很多人喜欢。", wantSrc: generate.FromModel,
		},
		{
			name:  "reasons of the wrong count fall back",
			reply: func(_ int, w http.ResponseWriter) { answer(w, `["only one"]`) },
			run: func(g *generate.Generator) (string, generate.Source, string) {
				p := g.PhraseReasons(context.Background(), "", reasons)
				return p.Reasons[0], p.Source, p.Fallback
			},
			wantText: "因为你在本次会话中搜索了「舒适的鞋垫」", wantSrc: generate.FromTemplate, wantFB: "1 sentences for 4 items",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			chat, s := newChat(t, tc.reply, func(c *generate.ChatConfig) { c.MaxRetries = -1 })
			g := generate.New(chat, generate.WithLogger(discard()))
			text, src, fb := tc.run(g)
			if !strings.HasPrefix(text, tc.wantText) || src != tc.wantSrc || !strings.Contains(fb, tc.wantFB) || (tc.wantFB == "") != (fb == "") {
				t.Fatalf("got %q from %s (fallback %q)", text, src, fb)
			}
			if req, ok := s.lastReq.Load().(chatRequest); ok {
				prompts = append(prompts, req.Messages[0].Content)
			}
		})
	}
	for _, p := range prompts {
		if !strings.Contains(p, "Use only the facts given") && !strings.Contains(p, "Do not invent") {
			t.Errorf("prompt without a grounding instruction: %s", p)
		}
	}
}

func TestModelIsAskedInTheUsersLanguage(t *testing.T) {
	chat, s := newChat(t, func(_ int, w http.ResponseWriter) { answer(w, "ok") }, nil)
	g := generate.New(chat)
	g.Summarize(context.Background(), chen)
	req := s.lastReq.Load().(chatRequest)
	if !strings.Contains(req.Messages[0].Content, "Simplified Chinese") || !strings.Contains(req.Messages[1].Content, "舒适的鞋垫") {
		t.Fatalf("request %+v", req)
	}
	if g.Model() != "tiny" || generate.New(nil).Model() != "" {
		t.Fatal("Model()")
	}
}

// TestBudgetBoundsTheWait: a model that does not answer in time is
// dropped for the template, with the reason.
func TestBudgetBoundsTheWait(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	chat, _ := newChat(t, func(_ int, w http.ResponseWriter) { <-release }, func(c *generate.ChatConfig) { c.MaxRetries = -1 })
	g := generate.New(chat, generate.WithBudget(50*time.Millisecond), generate.WithLogger(discard()))
	r := g.Expand(context.Background(), generate.Expansion{Query: "tent", Related: []string{"two-person tent"}})
	if r.Source != generate.FromTemplate || r.Text != "tent. Related: two-person tent." || !strings.Contains(r.Fallback, "deadline") {
		t.Fatalf("result %+v", r)
	}
}
