package cloudstack

import (
	"context"

	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// getOne runs a list command filtered by id and returns the item with that id, converted,
// or an error matching fkerrors.NotFound.
func getOne[W wire.Item, T any](ctx context.Context, c *Client, command, what, id string, p *params, convert func(W) (string, T)) (*T, error) {
	if id == "" {
		return nil, invalidArg(command, "empty %s id", what)
	}
	var l wire.List[W]
	if err := c.request(ctx, command, "", p, &l); err != nil {
		return nil, err
	}
	for _, w := range l.Items {
		if got, item := convert(w); got == id {
			return &item, nil
		}
	}
	return nil, notFound(command, what, id)
}

// listBy runs a list command filtered by key=value across the account (listall) and returns
// the items whose field equals value, converted, in CloudStack's order. The check is made
// here because CloudStack's own filter can be looser: its name filter is SQL equality under
// MySQL's case-insensitive collation, so "web" also finds "WEB". An empty value is refused
// as an empty what.
func listBy[W wire.Item, T any](ctx context.Context, c *Client, command, what, key, value string, field func(*W) string, convert func(*W) *T) ([]T, error) {
	if value == "" {
		return nil, invalidArg(command, "empty %s", what)
	}
	var l wire.List[W]
	if err := c.request(ctx, command, "", newParams(key, value, "listall", "true"), &l); err != nil {
		return nil, err
	}
	items := make([]T, 0, len(l.Items))
	for i := range l.Items {
		if field(&l.Items[i]) == value {
			items = append(items, *convert(&l.Items[i]))
		}
	}
	return items, nil
}

func notFound(command, what, id string) error {
	return &APIError{Command: command, Text: "no " + what + " with id " + id, Code: fkerrors.NotFound}
}
