package client

// Strict makes c reject answers with fields its types lack, so the tests
// notice when the server's JSON grows beyond this package's types.
func Strict(c *Client) { c.strict = true }
