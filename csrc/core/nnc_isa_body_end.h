/* End of one instruction-set copy (see nnc_dispatch.h): NNC_FN back to
 * name_<dtype>.  No include guard. */
#undef NNC_FN
#define NNC_FN(name) NNC_CAT(name, NNC_SFX)
#undef NNC_ISA_SFX
