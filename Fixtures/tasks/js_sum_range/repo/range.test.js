const test = require('node:test');
const assert = require('node:assert');
const { sumRange } = require('./range');

test('sumRange', () => {
  assert.strictEqual(sumRange(1, 4), 10);
  assert.strictEqual(sumRange(5, 5), 5);
});
