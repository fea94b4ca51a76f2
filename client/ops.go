package client

import "context"

// Health calls /healthz: the process is up.
func (c *Client) Health(ctx context.Context) (*Health, error) {
	var h Health
	if err := c.call(ctx, "GET", "/healthz", nil, nil, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// Ready calls /readyz: the store answers; a server that is not ready is
// an unavailable error.
func (c *Client) Ready(ctx context.Context) (*Readiness, error) {
	var r Readiness
	if err := c.call(ctx, "GET", "/readyz", nil, nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// EvalReport returns the latest evaluation report the server was given;
// without one it is a not_found error.
func (c *Client) EvalReport(ctx context.Context) (*EvalReport, error) {
	var r EvalReport
	if err := c.call(ctx, "GET", "/v1/eval/report", nil, nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
