function lower(s) {
  return s.toLowerCase();
}

module.exports = { lower };
