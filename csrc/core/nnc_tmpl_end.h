/* Undefines what nnc_tmpl.h defines, so T and friends do not leak out of a
 * file that instantiated the templates.  No include guard on purpose. */
#undef T
#undef NNC_SFX
#undef NNC_IS_F32
#undef NNC_LIT
#undef NNC_EXP
#undef NNC_LOG
#undef NNC_LOG1P
#undef NNC_EXPM1
#undef NNC_SQRT
#undef NNC_FABS
#undef NNC_TANH
#undef NNC_SIGMOID
#undef NNC_POW
#undef NNC_COS
#undef NNC_FMA
#undef NNC_T_MAX
#undef NNC_T_MIN
#undef NNC_T_EPS

#undef NNC_FN
#undef NNC_VM
