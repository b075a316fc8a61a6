/* Instantiates the six tile shapes of one instruction set's micro-kernel:
 * rows MK_MR/3, 2*MK_MR/3, MK_MR times MK_NRV-1 or MK_NRV vectors, named
 * MK_BASE_r1v1 ... MK_BASE_r3v2.  No include guard. */
#define MK_ROWS (MK_MR / 3)
#define MK_NRVC 1
#define MK_NAME NNC_CAT(MK_BASE, r1v1)
#include "gemm_mk.h"
#undef MK_NRVC
#undef MK_NAME
#define MK_NRVC 2
#define MK_NAME NNC_CAT(MK_BASE, r1v2)
#include "gemm_mk.h"
#undef MK_ROWS
#undef MK_NRVC
#undef MK_NAME

#define MK_ROWS (2 * MK_MR / 3)
#define MK_NRVC 1
#define MK_NAME NNC_CAT(MK_BASE, r2v1)
#include "gemm_mk.h"
#undef MK_NRVC
#undef MK_NAME
#define MK_NRVC 2
#define MK_NAME NNC_CAT(MK_BASE, r2v2)
#include "gemm_mk.h"
#undef MK_ROWS
#undef MK_NRVC
#undef MK_NAME

#define MK_ROWS MK_MR
#define MK_NRVC 1
#define MK_NAME NNC_CAT(MK_BASE, r3v1)
#include "gemm_mk.h"
#undef MK_NRVC
#undef MK_NAME
#define MK_NRVC 2
#define MK_NAME NNC_CAT(MK_BASE, r3v2)
#include "gemm_mk.h"
#undef MK_ROWS
#undef MK_NRVC
#undef MK_NAME
