"""What the scale data looks like: sizes, shares and the texts it is made of."""

from monquartier.alerts.models import AlertCategory
from monquartier.gazette.models import PostCategory

MEMBERS = 1_000_000


COMMUNITIES = 20_000


QUICK_MEMBERS = 20_000


QUICK_COMMUNITIES = 400


# Bump when the generated data changes, so that --keep reloads instead of reusing.
VERSION = 1


PASSWORD = "Voisins-Vigilants-2026"  # noqa: S105 (the known password of the loaded members)


EMAIL_DOMAIN = "scale.bench.invalid"


STAFF_EMAIL = f"equipe@{EMAIL_DOMAIN}"

# The pages benchmark adds a partner town hall's agents to the loaded data
# (bench/pages_agents.py); the "already loaded" check (meta.matching_load) does not count them.
AGENTS_EMAIL_DOMAIN = "agents.pages.bench.invalid"


# Push endpoints point nowhere until bench/load.py points some at its push sink.
PUSH_PLACEHOLDER = "http://127.0.0.1:9"


KEY_POOL = 64


META_TABLE = "bench_scale_meta"


# Community sizes: log-normal around the mean (most communities small, a few of well over
# a thousand members), at least MIN_COMMUNITY members, at most MAX_COMMUNITY.
SIZE_SIGMA = 1.0


MIN_COMMUNITY = 3


MAX_COMMUNITY = 4_000


PENDING_SHARE = 0.02  # extra users waiting for their request to be accepted


MOVED_SHARE = 0.03  # active members who left another community before


NO_EMAIL_SHARE = 0.03  # phone-only members registered by a référent


PUSH_SHARE = 0.3


PREFERENCE_SHARE = 0.1


TWINNED_SHARE = 0.3  # communities that ask a neighbour to twin


TWIN_RADIUS_CELLS = 2  # lattice cells of ~1.1 km: about 2.2 km, within the 3 km rule


# Alerts over the last year: a few per community, more in big ones.
ALERT_BASE, ALERT_PER_MEMBER = 1.5, 1 / 150


ALERT_READ_SHARE = 0.55


POST_BASE, POST_PER_MEMBER = 1.0, 1 / 8


PHOTO_SHARE = 0.1


CONVERSATION_SHARE = 0.25  # members who started a conversation


HISTORY_DAYS = 4 * 365


ALERT_DAYS = 365


TOWN_HALL_COMMUNES = ("cocody", "plateau", "yopougon", "bouake")


FIRST_NAMES = (
    "Awa", "Yao", "Adjoua", "Koffi", "Mariam", "Ibrahim", "Aya", "Serge", "Fatou", "Jean",
    "Amenan", "Kouadio", "Affoué", "Moussa", "Akissi", "Drissa", "Aminata", "Hervé", "Nadège",
    "Seydou", "Estelle", "Konan", "Salimata", "Didier", "Mireille", "Bakary", "Rokia", "Éric",
    "Léontine", "Ousmane", "Christelle", "Lassina", "Odile", "Arsène", "Kadiatou", "Firmin",
)  # fmt: skip


LAST_NAMES = (
    "Koné", "Kouassi", "Traoré", "Bamba", "Yao", "Ouattara", "N'Guessan", "Diallo", "Coulibaly",
    "Kouamé", "Touré", "Konan", "Cissé", "Aka", "Diabaté", "Soro", "Kacou", "Brou", "Gnagne",
    "Fofana", "Tanoh", "Sanogo", "Amani", "Dosso", "Assi", "Koffi", "Zadi", "Gbagbo", "Yéo",
    "Silué", "Tra Bi", "Doumbia", "Ahoua", "Kra", "Sangaré", "Beugré",
)  # fmt: skip


PSEUDONYMS = ("le voisin du lot", "la couturière", "le boulanger", "Tonton", "Maman", "le prof")


LANDMARKS = (
    "près de la pharmacie",
    "derrière la mosquée",
    "en face du maquis",
    "après le château d'eau",
    "à côté de l'école primaire",
    "près du terminus des gbakas",
    "derrière le marché",
)


INTERESTS = ("football", "couture", "jardinage", "cuisine", "lecture", "musique", "attiéké")


ALERT_TEXTS = {
    AlertCategory.BURGLARY: "Cambriolage en cours au lot {n}, deux individus dans la cour. N'intervenez pas, la police est prévenue.",
    AlertCategory.SUSPICIOUS: "Voiture grise sans plaque qui tourne depuis une heure près du lot {n}. Restez vigilants.",
    AlertCategory.THEFT: "Moto volée devant la boutique du lot {n} vers {h} h. Signalez-la si vous la voyez.",
    AlertCategory.ASSAULT: "Une passante agressée près de l'arrêt, lot {n}. Les secours sont en route.",
    AlertCategory.FIRE: "Fumée épaisse derrière le lot {n} : les pompiers (180) sont appelés, éloignez-vous.",
    AlertCategory.MISSING: "Enfant de 7 ans perdu près du lot {n}, t-shirt rouge. Prévenez la famille si vous le voyez.",
    AlertCategory.UTILITY: "Coupure d'eau dans tout le secteur du lot {n} depuis {h} h.",
    AlertCategory.OTHER: "Arbre tombé sur la voie au lot {n}, passage bloqué.",
}


ALERT_WEIGHTS = {
    AlertCategory.BURGLARY: 0.22,
    AlertCategory.SUSPICIOUS: 0.3,
    AlertCategory.THEFT: 0.18,
    AlertCategory.ASSAULT: 0.05,
    AlertCategory.FIRE: 0.04,
    AlertCategory.MISSING: 0.04,
    AlertCategory.UTILITY: 0.12,
    AlertCategory.OTHER: 0.05,
}


POST_TEXTS = {
    PostCategory.SMALL_AD: ("Vends {thing}", "Bon état, prix à débattre. Passez au lot {n} le soir."),
    PostCategory.CARPOOL: ("Covoiturage vers le Plateau", "Départ 7 h du lot {n}, deux places, retour 18 h."),
    PostCategory.EVENT: ("Fête des voisins samedi", "Rendez-vous au lot {n} à 16 h, chacun apporte un plat."),
    PostCategory.LOST_FOUND: ("Trouvé : {thing}", "Trouvé devant le lot {n}. Décrivez-le pour le récupérer."),
    PostCategory.SERVICE: ("Cours de maths à domicile", "Étudiant, je donne des cours du CP à la 3e, lot {n}."),
    PostCategory.INFO: ("Ramassage des ordures", "Le camion passe désormais le mardi et le vendredi, lot {n} compris."),
}  # fmt: skip


THINGS = ("vélo d'enfant", "réfrigérateur", "trousseau de clés", "chaise en plastique", "téléphone")


MESSAGE_TEXTS = (
    "Bonsoir, avez-vous vu la voiture grise ce matin ?",
    "Merci pour l'alerte, je préviens ma famille.",
    "Le réparateur passe demain, je vous donne son numéro ?",
    "D'accord, à samedi pour la réunion.",
    "Ma pompe à eau est en panne, qui connaît un plombier ?",
    "Oui, je l'ai vue vers 18 h devant la pharmacie.",
)
