"""Client profiles: k-means on standardised client features, each profile named from its centroid.

Preparation, in order (documented, tested):

1. Missing values of a feature are replaced by its **median** over the clients given (the
   medians are kept in :attr:`ProfileResult.medians`). A feature missing for every client, or
   constant, cannot separate clients: it is dropped and listed in :attr:`ProfileResult.dropped`.
2. ``log_features`` (skewed money amounts) are transformed by ``sign(x) * log1p(|x|)``.
3. Every feature is standardised to mean 0, standard deviation 1 (z-scores), and the z-scores
   are clipped to ``[-clip_z, clip_z]`` (default 3) so a handful of outliers cannot claim a
   profile of their own.

k-means (scikit-learn, ``random_state=seed``) is fitted on at most ``fit_sample`` clients drawn
with the same seed, then every client is assigned to its nearest centroid. Profiles are numbered
0..k-1 by size, largest first, so the same data and seed always give the same numbering.

A profile's name lists its ``name_features`` most distinctive features (largest ``|z|`` of the
centroid, at least ``name_min_z``) as "高杠杆·低满意度" / "High leverage · low satisfaction";
two profiles that would share a name get more features, then a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans

from crmkit.core.errors import TieringError
from crmkit.core.i18n import LABELS, check_lang, t
from crmkit.params.tiering import TieringParams

__all__ = ["ProfileResult", "client_profiles", "profile_name"]


@dataclass(frozen=True)
class ProfileResult:
    """The result of :func:`client_profiles`.

    Attributes
    ----------
    labels : pd.Series
        Profile number (int, 0 = largest) per client, index client_id, name ``cluster``.
    names : pd.DataFrame
        Index profile number; columns ``name_zh``, ``name_en``.
    centroids : pd.DataFrame
        Index profile number; ``size``, ``share``, then the mean of each feature in its
        original units (after median imputation).
    z_centroids : pd.DataFrame
        Index profile number; the centroid of each feature in z-scores (what names are built on).
    features : list[str]
        Features used, in the order given.
    dropped : dict[str, str]
        Features not used and why (``all_missing`` or ``constant``).
    medians : pd.Series
        Median used to fill each feature's missing values.
    """

    labels: pd.Series = field(repr=False)
    names: pd.DataFrame
    centroids: pd.DataFrame
    z_centroids: pd.DataFrame
    features: list[str]
    dropped: dict[str, str] = field(default_factory=dict)
    medians: pd.Series = field(default_factory=lambda: pd.Series(dtype="float64"))

    def name(self, lang: str = "zh") -> pd.Series:
        """Profile number -> name in ``lang``."""
        return self.names[f"name_{check_lang(lang)}"]

    def client_names(self, lang: str = "zh") -> pd.Series:
        """Profile name per client (index client_id)."""
        return self.labels.map(self.name(lang)).rename("cluster_name")


def profile_name(z: pd.Series, n_features: int = 2, min_z: float = 0.25,
                 lang: str = "zh") -> str:
    """Name of a centroid ``z`` (feature -> z-score) from its most distinctive features.

    >>> profile_name(pd.Series({"debt_to_assets": 1.2, "csat_latest": -0.9, "dscr": 0.1}))
    '高杠杆·低满意度'
    """
    check_lang(lang)
    parts = []
    for feat in _distinctive(z, min_z)[:n_features]:
        level = t("level.high" if z[feat] > 0 else "level.low", lang)
        noun = t(f"feature.{feat}", lang) if f"feature.{feat}" in LABELS else feat
        parts.append(f"{level}{noun}" if lang == "zh" else f"{level.lower()} {noun}")
    if not parts:
        return t("profile.average", lang)
    name = t("profile.sep", lang).join(parts)
    return name[0].upper() + name[1:]


def _distinctive(z: pd.Series, min_z: float) -> list[str]:
    """Features by decreasing |z| (ties in the given order), keeping |z| >= min_z."""
    a = z.abs().to_numpy()
    order = np.argsort(-a, kind="stable")
    return [z.index[i] for i in order if a[i] >= min_z]


def client_profiles(features: pd.DataFrame, params: TieringParams | None = None) -> ProfileResult:
    """Cluster clients into ``params.profiles.k`` named profiles.

    Parameters
    ----------
    features : pd.DataFrame
        Client features, index client_id, holding every column of ``params.profiles.features``.
    params : TieringParams, optional
        The ``tiering`` section (``profiles``: features, log_features, k, seed, ...).

    Returns
    -------
    ProfileResult
    """
    pp = (params or TieringParams()).profiles
    missing = [c for c in pp.features if c not in features.columns]
    if missing:
        raise TieringError(f"client_profiles: tiering.profiles.features names column(s) "
                           f"{missing} that the features frame does not have; remove them or "
                           "compute them first.")
    raw = features[pp.features].apply(pd.to_numeric, errors="coerce").astype("float64")
    medians = raw.median()
    filled = raw.fillna(medians)
    x = filled.copy()
    for c in pp.log_features:
        x[c] = np.sign(x[c]) * np.log1p(x[c].abs())
    std = x.std(ddof=0)
    dropped = {c: "all_missing" for c in pp.features if np.isnan(medians[c])}
    dropped |= {c: "constant" for c in pp.features
                if c not in dropped and not std[c] > 1e-12 * max(1.0, abs(x[c].mean()))}
    used = [c for c in pp.features if c not in dropped]
    if not used:
        raise TieringError(f"client_profiles: every feature of tiering.profiles.features is "
                           f"missing or constant ({dropped}); choose features with data.")
    if len(x) < pp.k:
        raise TieringError(f"client_profiles: tiering.profiles.k={pp.k} profiles need at least "
                           f"{pp.k} clients; got {len(x)}. Lower k.")
    z = (x[used] - x[used].mean()) / std[used]
    if pp.clip_z is not None:
        z = z.clip(-pp.clip_z, pp.clip_z)
    zv = z.to_numpy()
    rng = np.random.default_rng(pp.seed)
    fit_rows = (rng.choice(len(zv), pp.fit_sample, replace=False) if len(zv) > pp.fit_sample
                else slice(None))
    km = KMeans(n_clusters=pp.k, random_state=pp.seed, n_init=pp.n_init)
    km.fit(zv[fit_rows])
    raw_labels = km.predict(zv)
    # Renumber by size (largest first), ties by the k-means label: deterministic for a seed.
    sizes = np.bincount(raw_labels, minlength=pp.k)
    order = np.lexsort((np.arange(pp.k), -sizes))
    renum = np.empty(pp.k, dtype=int)
    renum[order] = np.arange(pp.k)
    labels = pd.Series(renum[raw_labels], index=features.index, name="cluster")
    zc = z.groupby(labels.to_numpy()).mean().reindex(range(pp.k))
    zc.index.name = "cluster"
    cent = filled[used].groupby(labels.to_numpy()).mean().reindex(range(pp.k))
    size = labels.value_counts().reindex(range(pp.k), fill_value=0)
    cent.insert(0, "size", size.to_numpy())
    cent.insert(1, "share", size.to_numpy() / len(labels))
    cent.index.name = "cluster"
    names = pd.DataFrame({f"name_{lang}": _unique_names(zc, pp.name_features, pp.name_min_z,
                                                        lang) for lang in ("zh", "en")},
                         index=zc.index)
    return ProfileResult(labels=labels, names=names, centroids=cent, z_centroids=zc,
                         features=used, dropped=dropped, medians=medians)


def _unique_names(zc: pd.DataFrame, n_features: int, min_z: float, lang: str) -> list[str]:
    """Names per centroid row; colliding names get more features, then a number."""
    n_feat = {i: n_features for i in zc.index}
    names = {i: profile_name(zc.loc[i].fillna(0.0), n_feat[i], min_z, lang) for i in zc.index}
    for _ in range(zc.shape[1]):
        dup = pd.Series(names).duplicated(keep=False)
        if not dup.any():
            break
        for i in dup[dup].index:
            n_feat[i] += 1
            names[i] = profile_name(zc.loc[i].fillna(0.0), n_feat[i], min_z, lang)
    seen: dict[str, int] = {}
    out = []
    for i in zc.index:
        seen[names[i]] = seen.get(names[i], 0) + 1
        out.append(names[i] if seen[names[i]] == 1 else f"{names[i]} ({seen[names[i]]})")
    return out
