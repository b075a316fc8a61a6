/* Undefines the macros one x86 kernel set defines before including
 * gemm_mk_set.h and gemm_dk_set.h (see gemm_impl.h), so the next set starts
 * clean.  No include guard: it is included once after every set. */
#undef DK_BASE
#undef MK_SET1
#undef MK_LOAD
#undef MK_LOADU
#undef MK_STOREU
#undef MK_FMA
#undef MK_MUL
#undef MK_ADD
#undef MK_V
#undef MK_W
#undef MK_MASK_T
#undef MK_MASK
#undef MK_MLOADU
#undef MK_MSTOREU
#undef MK_BASE
#undef MK_TARGET
#undef MK_MR
#undef MK_NRV
#undef DK_ROWS_1
#undef DK_ROWS_2
#undef DK_ROWS_3
#undef DK_ROWS_4
