/* Start of one instruction-set copy of a kernel body (see nnc_dispatch.h):
 * NNC_FN(name) spells name_<dtype>_<NNC_ISA_SFX>.  No include guard. */
#undef NNC_FN
#define NNC_FN(name) NNC_CAT(NNC_CAT(name, NNC_SFX), NNC_ISA_SFX)
