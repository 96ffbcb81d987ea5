// Vectorized exp and the activations of epilogue.h, written once over a vector-traits type V (simd_*.h).
// Accuracy: exp within ~2 ulp on [-87, 88]; the rest inherit it (tanh/gelu tails within ~1e-7 absolute).
#pragma once
#include "epilogue.h"

namespace mindlet::simd {

template <class V>
inline typename V::T vexp(typename V::T x) {
  using T = typename V::T;
  x = V::min(V::max(x, V::set1(-87.3f)), V::set1(88.3f));
  T n = V::round(V::mul(x, V::set1(1.44269504088896341f)));
  T r = V::fnmadd(n, V::set1(0.693359375f), x);  // ln2 split in a short high part and a correction
  r = V::fnmadd(n, V::set1(-2.12194440e-4f), r);
  T p = V::set1(1.f / 720.f);
  p = V::fmadd(p, r, V::set1(1.f / 120.f));
  p = V::fmadd(p, r, V::set1(1.f / 24.f));
  p = V::fmadd(p, r, V::set1(1.f / 6.f));
  p = V::fmadd(p, r, V::set1(0.5f));
  p = V::fmadd(p, r, V::set1(1.f));
  p = V::fmadd(p, r, V::set1(1.f));
  return V::mul(p, V::pow2i(n));
}

template <class V>
inline typename V::T vsigmoid(typename V::T x) {
  const auto one = V::set1(1.f);
  return V::div(one, V::add(one, vexp<V>(V::sub(V::zero(), x))));
}

// erfc(z) for z >= 0 with fractional error < 1.2e-7 (Chebyshev fit from Numerical Recipes, erfcc).
template <class V>
inline typename V::T verfc_nonneg(typename V::T z) {
  using T = typename V::T;
  T t = V::div(V::set1(1.f), V::fmadd(V::set1(0.5f), z, V::set1(1.f)));
  T p = V::set1(0.17087277f);
  p = V::fmadd(p, t, V::set1(-0.82215223f));
  p = V::fmadd(p, t, V::set1(1.48851587f));
  p = V::fmadd(p, t, V::set1(-1.13520398f));
  p = V::fmadd(p, t, V::set1(0.27886807f));
  p = V::fmadd(p, t, V::set1(-0.18628806f));
  p = V::fmadd(p, t, V::set1(0.09678418f));
  p = V::fmadd(p, t, V::set1(0.37409196f));
  p = V::fmadd(p, t, V::set1(1.00002368f));
  p = V::fmadd(p, t, V::set1(-1.26551223f));
  p = V::fnmadd(z, z, p);
  return V::mul(t, vexp<V>(p));
}

template <class V>
inline typename V::T vactivation(typename V::T x, Activation a) {
  using T = typename V::T;
  switch (a) {
    case Activation::None: return x;
    case Activation::Relu: return V::max(x, V::zero());
    case Activation::Relu6: return V::min(V::max(x, V::zero()), V::set1(6.f));
    case Activation::Sigmoid: return vsigmoid<V>(x);
    case Activation::Tanh: {
      // tanh|x| = 1 - 2/(e^{2|x|}+1), sign restored after.
      T ax = V::abs(x);
      T e = vexp<V>(V::add(ax, ax));
      T t = V::sub(V::set1(1.f), V::div(V::set1(2.f), V::add(e, V::set1(1.f))));
      return V::select_nonneg(x, t, V::sub(V::zero(), t));
    }
    case Activation::Gelu: {
      // 0.5x(1+erf(x/sqrt2)) = 0.5x*erfc(-x/sqrt2): erfc of |x| keeps full relative accuracy for negative x.
      T g = verfc_nonneg<V>(V::mul(V::abs(x), V::set1(0.70710678118654752f)));
      T f = V::select_nonneg(x, V::sub(V::set1(2.f), g), g);
      return V::mul(V::mul(V::set1(0.5f), x), f);
    }
    case Activation::GeluTanh: {
      // 0.5x(1+tanh(u)) = x*sigmoid(2u)
      T x3 = V::mul(V::mul(x, x), x);
      T u2 = V::mul(V::fmadd(V::set1(0.044715f), x3, x), V::set1(2.f * 0.7978845608028654f));
      return V::mul(x, vsigmoid<V>(u2));
    }
    case Activation::FastGelu: return V::mul(x, vsigmoid<V>(V::mul(x, V::set1(1.702f))));
    case Activation::HSwish: {
      T r = V::min(V::max(V::add(x, V::set1(3.f)), V::zero()), V::set1(6.f));
      return V::mul(V::mul(x, r), V::set1(1.f / 6.f));
    }
    case Activation::HSigmoid: {
      T r = V::min(V::max(V::add(x, V::set1(3.f)), V::zero()), V::set1(6.f));
      return V::mul(r, V::set1(1.f / 6.f));
    }
    case Activation::Silu: return V::mul(x, vsigmoid<V>(x));
  }
  return x;
}

}  // namespace mindlet::simd
