// vendored
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
function ring_buffer_pop() {}
function fetchUsers() { retry network errors }
MarkdownRenderer headings ImageLoader bitmaps lexer hexadecimal
