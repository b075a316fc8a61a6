/* Instantiates one instruction set's direct kernels for 1..4 vectors per
 * row, named DK_BASE_nv1 ... DK_BASE_nv4, with DK_ROWS_1 ... DK_ROWS_4 rows
 * per pass (as many as the registers hold).  No include guard. */
#define DK_TARGET MK_TARGET
#define DK_NV 1
#define DK_ROWS DK_ROWS_1
#define DK_NAME NNC_CAT(DK_BASE, nv1)
#include "gemm_dk.h"
#undef DK_NV
#undef DK_ROWS
#undef DK_NAME
#define DK_NV 2
#define DK_ROWS DK_ROWS_2
#define DK_NAME NNC_CAT(DK_BASE, nv2)
#include "gemm_dk.h"
#undef DK_NV
#undef DK_ROWS
#undef DK_NAME
#define DK_NV 3
#define DK_ROWS DK_ROWS_3
#define DK_NAME NNC_CAT(DK_BASE, nv3)
#include "gemm_dk.h"
#undef DK_NV
#undef DK_ROWS
#undef DK_NAME
#define DK_NV 4
#define DK_ROWS DK_ROWS_4
#define DK_NAME NNC_CAT(DK_BASE, nv4)
#include "gemm_dk.h"
#undef DK_NV
#undef DK_ROWS
#undef DK_NAME
#undef DK_TARGET
