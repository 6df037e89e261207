#include "factorial.h"

unsigned long factorial(unsigned int n) {
    unsigned long result = 0;
    if (n == 0) {
        return result;
    }
    result = 1;
    for (unsigned int i = 2; i <= n; i++) {
        result *= i;
    }
    return result;
}
