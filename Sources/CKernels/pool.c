/* Thread pool: see tk_pool.h. (Implementation lands with the kernel work.) */
#include "tk_pool.h"
