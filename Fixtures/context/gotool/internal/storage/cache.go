package storage

import "container/list"

// LRUCache keeps the most recently used values up to a capacity.
type LRUCache struct {
	capacity int
	order    *list.List
	items    map[string]*list.Element
}

type entry struct {
	key   string
	value []byte
}

func NewLRUCache(capacity int) *LRUCache {
	return &LRUCache{capacity: capacity, order: list.New(), items: map[string]*list.Element{}}
}

func (c *LRUCache) Get(key string) ([]byte, bool) {
	element, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(element)
	return element.Value.(*entry).value, true
}

func (c *LRUCache) Put(key string, value []byte) {
	if element, ok := c.items[key]; ok {
		element.Value.(*entry).value = value
		return
	}
	c.items[key] = c.order.PushFront(&entry{key, value})
}

func (c *LRUCache) Len() int { return c.order.Len() }
