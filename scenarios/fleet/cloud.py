"""The cloud's night: from every vehicle's own evidence of the day to the
fleet's distribution and each vehicle's prior for tomorrow.

Each vehicle runs two twins on the same readings (``vehicle_day``): its *own*
twin, which never sees the fleet and starts each day from its own estimate
with the data sheet's broad std, and its *edge* twin, which starts each day
from the cloud's prior. For each slow parameter (capacity, resistance) the
night
  1. divides the own twin's start out of its end (``day_evidence``): what the
     day alone says, independent of the other days,
  2. corrects that evidence by the own twin's validated pull and bias (by
     the kind of day: a charge after this drive cycle, or no charge) and std
     scale (``kind_pull``, ``end_pull``, ``kind_evidence_bias``,
     ``evidence_std_scale``: constants of the estimator,
     measured against the plant's truth on a validation run) and adds it to
     the vehicle's *own record* (``Record``: a Kalman filter over its days
     from the data sheet's prior, the SEI law's predicted aging as the
     change between days): the *individual* estimate, the vehicle's own
     data alone, its variance widened by the error each vehicle keeps from
     day to day (``vehicle_error_std``), which no number of days removes,
  3. learns what error the individual estimates still share from the
     workshop checks so far (the individual estimate on a checked vehicle's
     day minus the workshop's reading of the plant; ``estimator_error``):
     the bias pooling cannot average away, which may drift from day to day,
     and how far the stated standard deviations over- or understate their
     errors. With no check the bias is 0 with the validated
     ``twin_error_std``, and the stated stds are scaled by the validated
     ``twin_std_scale``,
  4. removes that bias from every individual estimate, scales their stds,
     fits the fleet's mean and spread to them (``fit_population``: the
     spread no less than production gives, ``production_spread``, widened
     by the days' differences of aging, ``aging_rate_spread``) and
     shrinks each toward it (``shrink``: the *shrunk* twin), keeping the
     bias's own uncertainty (shared by every vehicle) in the posterior. It
     pools what the SEI law does not explain: each estimate less the aging
     the law predicted for that vehicle since its first day, relative to the
     fleet's (a car in a warm climate fades faster, the law knows it, and
     shrinking it toward the fleet's mean would undo that), added back after,
  5. hands the shrunk posterior, widened by one day's drift, to the edge twin
     as its prior for the next day,
  6. fits each vehicle's aging rate beyond the law from its days' evidence
     (against the share of the law's change the evidence shows,
     ``evidence_law_share``, validated) and pools those rates across the
     fleet (``rates``): the individual and
     the shrunk rate, reported (the records above take the law's change and
     its validated error, ``aging_error_std``, not these rates).
Beside it the night pools the uncorrected individual estimates too
(``pooled_mean``), so that what pooling alone does can be told from what the
checks add. The individual estimate keeps its data to itself, so the prior
the fleet hands down never feeds back into what the fleet is fitted to.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from btwin.models.population import (EstimatorError, Record, day_evidence, estimator_error, fit_population,
                                    own_rates, shrink)


@dataclass(frozen=True)
class Quantity:
    """One slow parameter the edge twin estimates and the cloud pools."""

    name: str  # column stem, e.g. "capacity"
    unit: str
    nominal: float  # the edge twin's prior mean before any data
    nominal_std: float  # and its standard deviation
    daily_drift_std: float  # how far the true value may move in one (accelerated) day
    twin_error_std: float = 0.0  # the individual estimates' systematic error, the same on every vehicle
    twin_std_scale: float = 1.0  # their real error over their stated std, as validated (until the checks tell)
    twin_min_scale: float = 0.05  # the least std scale the checks may fit (1: they may widen the stds, not narrow)
    twin_error_drift_std: float = 0.0  # how far that shared error may move in a day
    # how it moves: True, it wanders about zero within twin_error_std (first-order Gauss-Markov); False, a random walk
    twin_error_stationary: bool = False
    twin_error_rate: float = 0.0  # and how far it moves a day on average, as validated (a trend)
    end_pull: float = 0.0  # how far the own twin's estimate is pulled in a day, as validated (see ``own_record``)
    first_day_pull: float = 0.0  # and on its first day, which starts from a SOC not yet its own
    # the pull after the first day by the kind of day (``day_kind`` -> pull, as validated); a kind not named takes
    # ``end_pull``
    kind_pull: tuple[tuple[str, float], ...] = ()
    # a bias of the day's evidence itself by kind of day (not a pull on its end, which the evidence amplifies), as
    # validated; a kind not named has none
    kind_evidence_bias: tuple[tuple[str, float], ...] = ()
    evidence_std_scale: float = 1.0  # its day evidence's real scatter over its stated std, as validated
    # an error of each vehicle's evidence that stays from day to day (with capacity: the lithium its cells lose beyond
    # the aging law's, which the twin's OCV window does not follow; README "Where it stands"), as validated: the days
    # cannot average it away, so it is added to the individual estimate's variance
    vehicle_error_std: float = 0.0
    aging_error_std: float = 0.0  # the error of the SEI law's predicted change over a day, as validated
    production_spread: float = 0.0  # the least spread between vehicles, from production (data sheet, literature)
    # the least spread of the vehicles' aging rates beyond the law, per day (a batch's aging tests); the fleet's
    # spread grows by it: after n days it is at least hypot(production_spread, n aging_rate_spread), and so does
    # each individual estimate's error, which its own twin cannot see (``night``)
    aging_rate_spread: float = 0.0
    # the share of the law's predicted change since the first day that the day's evidence shows, as validated (1: all):
    # the rates beyond the law are the evidence's slope less that share of the law's, else every vehicle's rate would
    # fall behind the plant's alike (``rates``; the records' own error, trend included, is validated as it is)
    evidence_law_share: float = 1.0

    def pull(self, kinds, first_day: bool) -> np.ndarray:
        """The validated pull on each vehicle's day end, given the kind of each one's day (``day_kind``)."""
        return _per_kind((), kinds, self.first_day_pull) if first_day else \
            _per_kind(self.kind_pull, kinds, self.end_pull)

    def evidence_bias(self, kinds, first_day: bool) -> np.ndarray:
        """The validated bias of each vehicle's day evidence, given the kind of its day."""
        return _per_kind(() if first_day else self.kind_evidence_bias, kinds, 0.0)


def _per_kind(table: tuple[tuple[str, float], ...], kinds, default: float) -> np.ndarray:
    """The value ``table`` names for each kind, ``default`` for a kind it does not name."""
    by_kind = dict(table)
    return np.array([by_kind.get(kind, default) for kind in kinds], dtype=float)


NO_CHARGE = "rest"  # the kind of a day that ends without a charge


def day_kind(cycle: str, charged: bool) -> str:
    """What kind of day the own twin had, as its pull depends on it: a charge
    back to full after a drive on this cycle (its name), or a drive alone
    (``NO_CHARGE``), which tells it more of capacity (its SOC ends where the
    OCV curve is steeper) and is pulled the other way."""
    return cycle if charged else NO_CHARGE


def row_kind(row: dict) -> str:
    """The kind of a vehicle-day row's day (a table written before charging
    habits were drawn charged every evening)."""
    return day_kind(row["vehicle_cycle"], row.get("charged_today", True))


class OwnDay(NamedTuple):
    """What the own twins report of one quantity for a day (arrays over the
    vehicles; nan where a day failed): where each started and ended, and the
    aging they predict to the end of tomorrow."""

    end_mean: np.ndarray
    end_std: np.ndarray
    start_mean: np.ndarray
    start_std: np.ndarray
    aging: np.ndarray
    kinds: tuple[str, ...] = ()  # the kind of each vehicle's day (``day_kind``; empty: not known)


class History(NamedTuple):
    """Each vehicle's days of corrected evidence (vehicles x nights; nan: no
    evidence that day), their variances and the law's change accumulated up
    to each (what its own twin predicted for the nights between)."""

    values: np.ndarray
    variances: np.ndarray
    predicted: np.ndarray

    @classmethod
    def start(cls, vehicles: int) -> "History":
        return cls(*(np.zeros((vehicles, 0)) for _ in range(3)))

    def appended(self, values, variances, predicted) -> "History":
        return History(*(np.column_stack([old, np.asarray(new, dtype=float)])
                         for old, new in zip(self, (values, variances, predicted))))


class Rates(NamedTuple):
    """Each vehicle's rate beyond the law [unit per day] (arrays over the
    vehicles; nan where fewer than two days told something): its own days'
    slope (``own_rates``) and that slope shrunk toward the fleet's."""

    individual_mean: np.ndarray
    individual_std: np.ndarray
    shrunk_mean: np.ndarray
    shrunk_std: np.ndarray
    fleet_mean: float
    fleet_spread: float


def rates_from_second_day(values, variances, predicted) -> tuple[np.ndarray, np.ndarray]:
    """Each vehicle's rate beyond the law and its variance (``own_rates``;
    vehicles x nights) from its second day on. The first day's evidence
    starts from a SOC its own twin has not yet found, and its bias differs
    from fleet to fleet (the validated first-day pull, +0.0024 and -0.0002
    A.h on seeds 41 and 47): shared by every vehicle, it tilted every slope
    alike, and on an 8-day fleet (seed 31) the pooled rate's 90 % intervals
    held the plant's on 44 % of the nights, 93 % without it."""
    later = [np.asarray(x, dtype=float)[:, 1:] for x in (values, variances, predicted)]
    return own_rates(np.arange(1, later[0].shape[1] + 1), *later)


def rates(history: History, min_spread: float = 0.0, law_share: float = 1.0) -> Rates:
    """Tonight's aging rates beyond the law, individual and pooled
    (``models.population.rates``), against the ``law_share`` of the law's
    change that the evidence shows, their spread no less than ``min_spread``."""
    slope, variance = rates_from_second_day(history.values, history.variances, law_share * history.predicted)
    known = np.isfinite(slope) & np.isfinite(variance)
    shrunk_mean, shrunk_std = np.full(slope.shape, np.nan), np.full(slope.shape, np.nan)
    fleet_mean, fleet_spread = float("nan"), float("nan")
    if known.any():
        population = fit_population(slope[known], variance[known], min_spread)
        posterior = shrink(population, slope[known], variance[known])
        shrunk_mean[known], shrunk_std[known] = posterior.mean, np.sqrt(posterior.variance)
        fleet_mean, fleet_spread = population.mean, population.spread
    return Rates(slope, np.sqrt(variance), shrunk_mean, shrunk_std, fleet_mean, fleet_spread)


@dataclass
class Belief:
    """What the cloud knows of one quantity for every vehicle."""

    record: Record  # each vehicle's own record: its individual estimate
    change: np.ndarray  # the aging its own twin predicts to the end of the next day
    seen: np.ndarray  # a day's evidence came in
    prior_mean: np.ndarray  # what the edge twin starts the next day with
    prior_std: np.ndarray
    check_difference: np.ndarray  # individual estimate minus the workshop's reading on the checked day (nan: none yet)
    check_stated_variance: np.ndarray  # the individual estimate's stated variance that day
    check_test_variance: np.ndarray  # the workshop test's
    check_night: np.ndarray  # the night the check came in (nan: none yet)
    history: History  # the days' evidence and the law's accumulated change, for the aging rates
    nights: int = 0  # nights run so far

    @classmethod
    def start(cls, quantity: Quantity, vehicles: int) -> "Belief":
        unchecked = np.full(vehicles, np.nan)
        return cls(Record.start(quantity.nominal, quantity.nominal_std, vehicles), np.zeros(vehicles),
                   np.zeros(vehicles, bool), np.full(vehicles, quantity.nominal), np.full(vehicles, quantity.nominal_std),
                   unchecked, unchecked.copy(), unchecked.copy(), unchecked.copy(), History.start(vehicles))

    def law_change(self) -> np.ndarray:
        """The aging the law predicted for each vehicle from its first day's end to today's."""
        return self.history.predicted[:, -1] + self.change if self.nights else np.zeros(self.change.size)

    def checked(self, own_mean, own_std, reference, reference_std) -> "Belief":
        """With today's workshop checks (``reference``: nan on the vehicles not checked)."""
        today = np.isfinite(reference) & np.isfinite(own_mean) & np.isfinite(own_std)
        return replace(self, check_difference=np.where(today, own_mean - reference, self.check_difference),
                       check_stated_variance=np.where(today, own_std**2, self.check_stated_variance),
                       check_test_variance=np.where(today, reference_std**2, self.check_test_variance),
                       check_night=np.where(today, float(self.nights), self.check_night))

    def estimator_error(self, quantity: Quantity) -> EstimatorError:
        """The shared error tonight: b0 + r n on night n, with the validated
        trend r (``twin_error_rate``) and b0 learnt from the checks, each
        check's difference less the trend up to its night. Beyond the trend
        it moves by ``twin_error_drift_std`` a day, either as a random walk,
        so that the validated prior widens by one night's variance each night
        and a check of n nights ago tells tonight's error with n nights' more,
        or (``twin_error_stationary``) about zero, a first-order Gauss-Markov
        process of stationary std ``twin_error_std``: the prior is that std
        on every night, and a check of n nights ago has 2 sigma^2 (1 - rho^n)
        more variance, rho from 2 sigma^2 (1 - rho) = the day's change's
        variance. (The steps shared by several checks are taken as
        independent: a little too sure with many old checks.)"""
        done = np.isfinite(self.check_difference)
        sigma2, drift, rate = quantity.twin_error_std**2, quantity.twin_error_drift_std**2, quantity.twin_error_rate
        since = self.nights - self.check_night[done]
        if quantity.twin_error_stationary:
            rho = float(np.clip(1.0 - drift / (2.0 * sigma2), 0.0, 1.0)) if sigma2 > 0.0 else 0.0
            moved, prior_variance = 2.0 * sigma2 * (1.0 - rho**since), sigma2
        else:
            moved, prior_variance = drift * since, sigma2 + drift * self.nights
        error = estimator_error(self.check_difference[done] - rate * self.check_night[done],
                                self.check_stated_variance[done], self.check_test_variance[done] + moved,
                                prior_bias_std=float(np.sqrt(prior_variance)),
                                prior_scale=quantity.twin_std_scale, min_scale=quantity.twin_min_scale)
        return error._replace(bias=error.bias + rate * self.nights)


@dataclass(frozen=True)
class Night:
    """The night's figures of one quantity (arrays over the vehicles)."""

    individual_mean: np.ndarray
    individual_std: np.ndarray
    shrunk_mean: np.ndarray
    shrunk_std: np.ndarray
    shrinkage: np.ndarray
    fleet_mean: float
    fleet_spread: float
    pooled_mean: np.ndarray  # shrunk the same way from the raw own estimates: pooling without the checks
    twin: EstimatorError  # the twins' error as the checks so far show it
    rates: Rates  # how much faster than the law each vehicle ages


def own_record(quantity: Quantity, belief: Belief, day: OwnDay, reported: np.ndarray):
    """Tonight's individual estimates: yesterday's records aged to today's
    end, then updated with the day's evidence; which vehicles' day told
    something; and that evidence (mean, variance). The evidence is corrected as validated: the sensors' noise
    pulls the own twin's estimate by about the same amount in every day of
    one kind (``kind_pull``, else ``end_pull``: an EKF's parameter
    bias, see ``vehicle_day``; the operator's telematics knows whether a car
    is driven in town, mixed or on the highway and whether it charged), which is
    removed from its end before its start is divided out (in the evidence
    it is that pull times s_L^2/s^2: tens of times larger on a day that
    told little); a day without a charge ends mid-curve, and its evidence
    carries a bias of its own instead (``kind_evidence_bias``), which is
    removed from the evidence; the evidence's stated variance is scaled by
    ``evidence_std_scale``. The record starts from the data sheet's
    ``nominal`` +- ``nominal_std``, the own twin's first start."""
    ran = reported & np.isfinite(day.end_mean)
    kinds, first_day = day.kinds or ("",) * day.end_mean.size, belief.nights == 0
    evidence, variance = day_evidence(np.where(ran, day.end_mean - quantity.pull(kinds, first_day), np.nan),
                                      np.where(ran, day.end_std, np.inf) ** 2, day.start_mean, day.start_std**2)
    evidence = evidence - quantity.evidence_bias(kinds, first_day)
    record = belief.record if belief.nights == 0 else belief.record.aged(belief.change, quantity.aging_error_std**2)
    told = np.isfinite(variance)
    variance = quantity.evidence_std_scale**2 * variance
    return record.updated(evidence, variance), told, evidence, variance


def night(quantity: Quantity, belief: Belief, day: OwnDay, reported: np.ndarray,
          reference: np.ndarray | None = None, reference_std: np.ndarray | None = None) -> tuple[Belief, Night]:
    """One night for one quantity. ``day``: the own twins' report;
    ``reported`` marks the vehicles whose day ran; ``reference`` the
    workshop's readings of today's checked vehicles (nan elsewhere) with
    their standard deviations."""
    record, told, evidence, evidence_variance = own_record(quantity, belief, day, reported)
    predicted = belief.law_change()
    history = belief.history.appended(np.where(told, evidence, np.nan), evidence_variance, predicted)
    seen = belief.seen | told
    # the record averages the days' errors away, but not an error each vehicle keeps from day to day, nor the aging
    # beyond the law its own twin cannot see (the twin's OCV window takes the law's lost lithium): the vehicles'
    # rates beyond the law scatter by aging_rate_spread a day, so after n nights by n times that (on a 60-day fleet,
    # seed 83, the intervals of the cars run low then held the truth on 83 % of the last 30 days, not 67-72 %)
    mean, std = record.mean, np.sqrt(record.variance + quantity.vehicle_error_std**2
                                     + (quantity.aging_rate_spread * belief.nights) ** 2)
    if reference is not None:
        belief = belief.checked(np.where(reported, mean, np.nan), std, reference, reference_std)
    twin = belief.estimator_error(quantity)
    known = seen & np.isfinite(mean) & np.isfinite(std) & (std > 0.0)
    least_spread = float(np.hypot(quantity.production_spread, quantity.aging_rate_spread * belief.nights))
    shrunk_mean, shrunk_var = np.array(belief.prior_mean), np.array(belief.prior_std**2)
    pooled_mean = np.array(shrunk_mean)
    factor = np.ones(mean.size)
    fleet_mean, fleet_spread = quantity.nominal, float("nan")
    if known.any():
        # pooled on what the law does not explain: a warm car fades faster than the fleet, and its law says so
        law = predicted - float(np.mean(predicted[known]))
        variance = (twin.scale * std[known]) ** 2
        net = mean[known] - twin.bias - law[known]
        population = fit_population(net, variance, least_spread)
        fleet_mean, fleet_spread = population.mean, population.spread
        posterior = shrink(population, net, variance, twin.bias_variance)
        shrunk_mean[known], shrunk_var[known], factor[known] = posterior
        shrunk_mean[known] += law[known]
        raw = fit_population(mean[known] - law[known], std[known] ** 2, least_spread)
        pooled_mean[known] = shrink(raw, mean[known] - law[known], std[known] ** 2).mean + law[known]
        # vehicles without data yet: the fleet itself
        shrunk_mean[~known], pooled_mean[~known] = population.mean + law[~known], raw.mean + law[~known]
        shrunk_var[~known] = population.spread**2 + population.mean_variance + twin.bias_variance
    result = Night(mean, std, shrunk_mean, np.sqrt(shrunk_var), factor, fleet_mean, fleet_spread, pooled_mean,
                   twin, rates(history, quantity.aging_rate_spread, quantity.evidence_law_share))
    # tomorrow's prior: tonight's posterior, widened by the drift of one more day
    prior_std = np.sqrt(shrunk_var + quantity.daily_drift_std**2)
    change = np.where(reported & np.isfinite(day.aging), day.aging, belief.change)
    return replace(belief, record=record, change=change, seen=seen, prior_mean=shrunk_mean, prior_std=prior_std,
                   history=history, nights=belief.nights + 1), result
