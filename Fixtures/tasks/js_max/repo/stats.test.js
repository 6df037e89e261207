const test = require('node:test');
const assert = require('node:assert');
const { maxOf, sum } = require('./stats');

test('maxOf positives', () => assert.strictEqual(maxOf([1, 5, 3]), 5));
test('maxOf negatives', () => assert.strictEqual(maxOf([-4, -2, -9]), -2));
test('sum', () => assert.strictEqual(sum([1, 2, 3]), 6));
