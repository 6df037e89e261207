#include <stdio.h>
#include "count.h"

int main(void) {
    int failures = 0;
    if (count_char("banana", 'a') != 3) { printf("FAIL count_char(banana, a) = %d\n", count_char("banana", 'a')); failures++; }
    if (count_char("", 'x') != 0) { printf("FAIL empty\n"); failures++; }
    if (failures == 0) printf("all tests passed\n");
    return failures ? 1 : 0;
}
