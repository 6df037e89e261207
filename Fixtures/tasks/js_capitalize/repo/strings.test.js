const test = require('node:test');
const assert = require('node:assert');
const { lower, capitalize } = require('./strings');

test('lower', () => assert.strictEqual(lower('ABC'), 'abc'));
test('capitalize', () => {
  assert.strictEqual(capitalize('hello'), 'Hello');
  assert.strictEqual(capitalize('a'), 'A');
});
