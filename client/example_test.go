package client_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/driftrec/driftrec/client"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/httpapi"
	"github.com/driftrec/driftrec/inmem"
)

// The seed's worked example: three old queries, then a session about
// insoles; at α = 0.2 the insole comes first, because of the query of the
// current session.
func Example() {
	// A real server on a loopback port; in production this is the address
	// of "driftrec serve", e.g. http://127.0.0.1:8080.
	eng, _ := engine.Open(context.Background(), inmem.New(), lexical.New(lexical.Options{}), engine.DefaultConfig())
	srv := httptest.NewServer(httpapi.New(eng, httpapi.Config{}).Handler())
	defer srv.Close()

	ctx := context.Background()
	c, err := client.New(srv.URL, client.WithTimeout(10*time.Second))
	if err != nil {
		panic(err)
	}
	_, err = c.UpsertItems(ctx, []client.Item{
		{ID: "A", Text: "跑步鞋", Categories: []string{"运动鞋"}},
		{ID: "B", Text: "咖啡杯"},
		{ID: "C", Text: "面包"},
		{ID: "D", Text: "跑鞋垫", Categories: []string{"运动鞋"}},
	})
	if err != nil {
		panic(err)
	}
	now := time.Now()
	_, err = c.Ingest(ctx, []client.Event{
		{User: "chen", Type: "query", Text: "性价比高的运动鞋", Time: now.Add(-72 * time.Hour)},
		{User: "chen", Type: "query", Text: "评价好的咖啡杯", Time: now.Add(-48 * time.Hour)},
		{User: "chen", Type: "query", Text: "口感好的面包", Time: now.Add(-24 * time.Hour)},
		{User: "chen", Type: "query", Text: "舒适的鞋垫", Session: "now", Time: now.Add(-3 * time.Minute)},
		{User: "chen", Type: "view", Text: "运动鞋", Session: "now", Time: now.Add(-2 * time.Minute)},
		{User: "chen", Type: "click", Item: "A", Session: "now", Time: now.Add(-time.Minute)},
	})
	if err != nil {
		panic(err)
	}
	alpha := 0.2
	rec, err := c.Recommend(ctx, "chen", client.RecommendOptions{N: 1, Alpha: &alpha})
	if err != nil {
		panic(err)
	}
	top := rec.Items[0]
	because := top.Explanation.Because[0]
	fmt.Printf("%s %s, because you searched %q (this session: %v)\n", top.ID, top.Text, because.Text, because.Current)

	// Errors carry the server's code, message and field.
	_, err = c.Ingest(ctx, []client.Event{{User: "chen", Type: "teleport", Item: "A"}})
	if e, ok := err.(*client.Error); ok {
		fmt.Println(e.StatusCode, e.Code, e.Field)
	}
	// Output:
	// D 跑鞋垫, because you searched "舒适的鞋垫" (this session: true)
	// 400 invalid [0].type
}
