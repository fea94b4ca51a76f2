package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/driftrec/driftrec/console"
	"github.com/driftrec/driftrec/generate"
	"github.com/driftrec/driftrec/httpapi"
)

// consoleFlags configure what serve adds around the core API: the web
// console, the evaluation report it shows, and the optional generative
// helpers.
type consoleFlags struct {
	noConsole   bool
	evalReport  string
	chatURL     string
	chatModel   string
	chatTimeout time.Duration
}

// chatKeyEnv names the environment variable of the chat server's API key;
// there is no flag, so the key never shows in a process list.
const chatKeyEnv = "DRIFTREC_CHAT_API_KEY"

func (c *consoleFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.noConsole, "no-console", false, "do not serve the web console at /")
	fs.StringVar(&c.evalReport, "eval-report", "docs/eval/report.json", "evaluation report (report.json of driftrec eval) the console shows, with the plots beside it; read on each request")
	fs.StringVar(&c.chatURL, "chat-url", "", "generative helpers (off when empty): base URL of an OpenAI-compatible chat server, e.g. http://127.0.0.1:11434/v1; API key from "+chatKeyEnv)
	fs.StringVar(&c.chatModel, "chat-model", "", "generative helpers: chat model name")
	fs.DurationVar(&c.chatTimeout, "chat-timeout", 20*time.Second, "generative helpers: timeout of each request to the chat server")
}

// options returns the server options the flags ask for.
func (c *consoleFlags) options(log *slog.Logger) ([]httpapi.Option, error) {
	var opts []httpapi.Option
	if !c.noConsole {
		con, err := console.New()
		if err != nil {
			return nil, err
		}
		opts = append(opts, httpapi.WithRoutes(con.Register))
	}
	if c.evalReport != "" {
		if _, err := os.Stat(c.evalReport); errors.Is(err, fs.ErrNotExist) {
			log.Info("no evaluation report yet; the console says so until driftrec eval writes one", "path", c.evalReport)
		}
		opts = append(opts, httpapi.WithEvalReport(c.evalReport))
	}
	if (c.chatURL == "") != (c.chatModel == "") {
		return nil, fmt.Errorf("-chat-url and -chat-model go together")
	}
	if c.chatURL != "" {
		chat, err := generate.NewChat(generate.ChatConfig{
			BaseURL: c.chatURL, Model: c.chatModel, APIKey: os.Getenv(chatKeyEnv), Timeout: c.chatTimeout,
		})
		if err != nil {
			return nil, err
		}
		log.Info("generative helpers use a chat model; templates answer when it fails", "endpoint", chat.Endpoint(), "model", c.chatModel)
		opts = append(opts, httpapi.WithGenerator(generate.New(chat, generate.WithLogger(log))))
	}
	return opts, nil
}
