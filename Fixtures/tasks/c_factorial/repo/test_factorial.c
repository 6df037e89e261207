#include <stdio.h>
#include "factorial.h"

int main(void) {
    int failures = 0;
    if (factorial(0) != 1) { printf("FAIL factorial(0) = %lu\n", factorial(0)); failures++; }
    if (factorial(5) != 120) { printf("FAIL factorial(5) = %lu\n", factorial(5)); failures++; }
    if (failures == 0) printf("all tests passed\n");
    return failures ? 1 : 0;
}
