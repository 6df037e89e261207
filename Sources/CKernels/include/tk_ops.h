#ifndef TAKUMI_TK_OPS_H
#define TAKUMI_TK_OPS_H
#include "tk_types.h"
#include "tk_pool.h"

/* Non-matmul transformer ops (owned by the model code; declared here as they are written). */

#endif
