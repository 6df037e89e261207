function hello() {
  return 'hi';
}
module.exports = { hello };
