package generate

import (
	"fmt"
	"strings"
)

// phrases are the fixed words of the templates in one language. Format
// verbs: %s for quoted texts, %d for percentages and counts.
type phrases struct {
	open, close string // quotation marks
	stop        string // end of a sentence
	sentenceGap string // between sentences
	listSep     string // between list elements
	andWord     string // before the last element

	noInterests string
	mainly      string // label, percent
	shareOf     string // label, percent
	then        string // list
	more        string // count
	drifting    string // label
	fading      string // list
	now         string // list
	rejects     string // list

	related string // before related item texts in an expansion

	popular     string
	because     string // event clause, similarity
	inSession   string
	earlier     string
	whenFirst   bool   // "when" goes before the action (Chinese word order)
	fits        string // interest label, percent
	fitsOnly    string // interest label
	actions     map[string]string
	otherAction string
}

// englishPhrases and chinesePhrases build the tables afresh on each call
// (they are small), so no package-level state is shared.
func englishPhrases() *phrases {
	return &phrases{
		open: "“", close: "”", stop: ".", sentenceGap: " ", listSep: ", ", andWord: " and ",
		noInterests: "No interests yet: this user gets popular items until they search, view or rate something.",
		mainly:      "Mostly interested in %s (%d%%)",
		shareOf:     "%s (%d%%)",
		then:        ", then %s",
		more:        ", with %d smaller interests",
		drifting:    "Lately drifting towards %s.",
		fading:      "Fading: %s.",
		now:         "Right now: %s.",
		rejects:     "Rejects things like %s.",
		related:     "Related: ",
		popular:     "Popular with other users right now.",
		because:     "Because you %s (similarity %.2f)",
		inSession:   " in this session",
		earlier:     " earlier",
		fits:        "; it fits your interest %s (%d%% of your list).",
		fitsOnly:    "It fits your interest %s.",
		actions: map[string]string{
			"query": "searched for %s", "view": "viewed %s", "click": "clicked %s",
			"add_to_cart": "added %s to your cart", "purchase": "bought %s", "rating": "rated %s",
			"comment": "commented on %s", "like": "liked %s",
		},
		otherAction: "interacted with %s",
	}
}

func chinesePhrases() *phrases {
	return &phrases{
		open: "「", close: "」", stop: "。", sentenceGap: "", listSep: "、", andWord: "和",
		noInterests: "暂无兴趣记录：在用户搜索、浏览或评分之前，向其推荐热门商品。",
		mainly:      "主要兴趣是%s（%d%%）",
		shareOf:     "%s（%d%%）",
		then:        "，其次是%s",
		more:        "，另有%d个较小的兴趣",
		drifting:    "最近转向%s。",
		fading:      "正在减弱的兴趣：%s。",
		now:         "当前会话：%s。",
		rejects:     "不喜欢类似%s的内容。",
		related:     "相关：",
		popular:     "当前其他用户喜欢的热门商品。",
		because:     "因为你%s（相似度 %.2f）",
		inSession:   "在本次会话中",
		earlier:     "之前",
		whenFirst:   true,
		fits:        "，符合你对%s的兴趣（占推荐的%d%%）。",
		fitsOnly:    "符合你对%s的兴趣。",
		actions: map[string]string{
			"query": "搜索了%s", "view": "浏览了%s", "click": "点击了%s",
			"add_to_cart": "把%s加入了购物车", "purchase": "购买了%s", "rating": "评价了%s",
			"comment": "评论了%s", "like": "喜欢%s",
		},
		otherAction: "关注过%s",
	}
}

func phrasesFor(l Lang) *phrases {
	if l == Chinese {
		return chinesePhrases()
	}
	return englishPhrases()
}

// languageInstruction tells a model which language to answer in.
func languageInstruction(l Lang) string {
	if l == Chinese {
		return "in Simplified Chinese (简体中文)"
	}
	return "in English"
}

func (p *phrases) quote(s string) string { return p.open + s + p.close }

// and joins quoted elements: "a", "a and b", "a, b and c".
func (p *phrases) and(elems []string) string {
	switch len(elems) {
	case 0:
		return ""
	case 1:
		return elems[0]
	}
	return strings.Join(elems[:len(elems)-1], p.listSep) + p.andWord + elems[len(elems)-1]
}

// list quotes up to max texts, dropping repeats, and joins them.
func (p *phrases) list(texts []string, max int) string {
	seen := map[string]bool{}
	var q []string
	for _, t := range texts {
		if t = strings.TrimSpace(t); t == "" || seen[t] {
			continue
		}
		seen[t] = true
		q = append(q, p.quote(t))
		if len(q) == max {
			break
		}
	}
	return strings.Join(q, p.listSep)
}

// action renders what the user did to a text ("searched for “x”").
func (p *phrases) action(eventType, text string) string {
	f, ok := p.actions[eventType]
	if !ok {
		f = p.otherAction
	}
	return fmt.Sprintf(f, p.quote(text))
}
