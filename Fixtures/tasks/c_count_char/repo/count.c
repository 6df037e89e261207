#include <string.h>
#include "count.h"

/* Number of times c occurs in s. */
int count_char(const char *s, char c) {
    int count = 0;
    size_t n = strlen(s);
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == c) {
            count++;
        }
    }
    return count;
}
