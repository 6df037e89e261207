#ifndef COUNT_H
#define COUNT_H
int count_char(const char *s, char c);
#endif
