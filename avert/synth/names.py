"""Built-in word lists for synthetic people, streets and places.

Given names are common UK first names grouped by birth era and sex; family names are common UK
surnames. Pairs are drawn at random, so no list describes a real person. Place names are built
from syllables and are fictional (a few may match real villages by chance; nothing else about the
area is real).
"""

from __future__ import annotations

from avert.domain.vocab import Sex


_BORN_BEFORE_1960 = {
    Sex.FEMALE: (
        "Margaret", "Jean", "Patricia", "Barbara", "Joan", "Mary", "Sheila", "Dorothy", "Maureen",
        "Brenda", "Joyce", "Doreen", "Irene", "Betty", "Eileen", "Pauline", "Valerie", "Sylvia",
        "Christine", "Janet", "Elizabeth", "Kathleen", "Shirley", "Marjorie", "Audrey", "Olive",
        "Edna", "Gwendoline", "Rita", "June", "Josephine", "Gladys", "Beryl", "Ann", "Hazel",
        "Kamala", "Savitri", "Parveen", "Gurdev", "Bernadette",
    ),
    Sex.MALE: (
        "John", "David", "Michael", "Peter", "Robert", "Brian", "Anthony", "William", "Kenneth",
        "Alan", "Derek", "Colin", "Raymond", "Roy", "Dennis", "Ronald", "Geoffrey", "Keith",
        "Terence", "Bernard", "Frank", "George", "Harold", "Leslie", "Malcolm", "Norman", "Stanley",
        "Trevor", "Albert", "Arthur", "Eric", "Gordon", "Barry", "Clifford", "Donald", "Mohammed",
        "Gurnam", "Ramesh", "Winston", "Patrick",
    ),
}

_BORN_1960_TO_1989 = {
    Sex.FEMALE: (
        "Sarah", "Claire", "Nicola", "Emma", "Lisa", "Joanne", "Michelle", "Helen", "Samantha",
        "Karen", "Amanda", "Rachel", "Louise", "Julie", "Donna", "Kelly", "Victoria", "Deborah",
        "Alison", "Susan", "Tracey", "Angela", "Catherine", "Jennifer", "Rebecca", "Laura",
        "Gemma", "Kerry", "Natalie", "Stephanie", "Amandeep", "Nasreen", "Priya", "Shabana",
        "Sinead",
    ),
    Sex.MALE: (
        "Paul", "Mark", "Andrew", "Richard", "Stephen", "Ian", "Simon", "Gary", "Neil", "Darren",
        "Jason", "Lee", "Craig", "Martin", "Christopher", "Matthew", "Daniel", "James", "Stuart",
        "Wayne", "Carl", "Dean", "Jonathan", "Philip", "Graham", "Nigel", "Scott", "Adam",
        "Imran", "Sanjay", "Rajesh", "Tariq", "Kwame", "Declan", "Shaun",
    ),
}

_BORN_1990_ON = {
    Sex.FEMALE: (
        "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Chloe", "Jessica", "Lily",
        "Ella", "Mia", "Charlotte", "Hannah", "Lucy", "Ruby", "Evie", "Poppy", "Freya", "Holly",
        "Megan", "Ellie", "Amber", "Isabella", "Aisha", "Maryam", "Zara", "Harleen", "Ananya",
        "Niamh",
    ),
    Sex.MALE: (
        "Oliver", "Jack", "Harry", "George", "Noah", "Charlie", "Jacob", "Alfie", "Freddie",
        "Oscar", "Thomas", "Joshua", "William", "Leo", "Archie", "Henry", "Ethan", "Samuel",
        "Joseph", "Max", "Lewis", "Ryan", "Callum", "Liam", "Muhammad", "Yusuf", "Arjun",
        "Ibrahim", "Kai", "Reuben",
    ),
}

FAMILY_NAMES: tuple[str, ...] = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes",
    "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin",
    "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison",
    "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price",
    "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey",
    "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan", "Marshall",
    "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson", "Foster", "Chapman",
    "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell", "Matthews",
    "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell",
    "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey", "Graham", "Pearson",
    "Ahmed", "Fletcher", "Walsh", "Kaur", "Gibson", "Howard", "Andrews", "Stewart", "Elliott",
    "Reynolds", "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day", "Brooks", "West", "Lawrence",
    "Cole", "Atkinson", "Bradley", "Spencer", "Gill", "Dawson", "Ball", "Burton", "O'Brien",
    "Watts", "Rose", "Booth", "Perry", "Ryan", "Grant", "Wells", "Armstrong", "Francis", "Rees",
    "Hayes", "Hart", "Hudson", "Newman", "Barrett", "Webster", "Hunter", "Gregory", "Carr", "Lowe",
    "Page", "Marsh", "Riley", "Dunn", "Woods", "Parsons", "Berry", "Stone", "Reid", "Holland",
    "Hawkins", "Harding", "Porter", "Robertson", "Newton", "Oliver", "Reed", "Kennedy", "Bird",
    "Gardner", "Shah", "Dean", "Lane", "Cooke", "Bates", "Henderson", "Parry", "Burgess",
    "Bishop", "Walton", "Burns", "Nicholson", "Shepherd", "Ross", "Cross", "Long", "Freeman",
    "Warren", "Nicholls", "Hamilton", "Byrne", "Sutton", "McDonald", "Yates", "Hodgson", "Robson",
    "Curtis", "Hopkins", "O'Connor", "Harper", "Coleman", "Watkins", "Moss", "McCarthy",
    "Chambers", "O'Neill", "Griffin", "Sharp", "Hardy", "Wheeler", "Potter", "Osborne", "Mistry",
    "Chauhan", "Okafor", "Mensah", "Nowak", "Kowalski", "Costa", "Mahmood", "Akhtar", "Chowdhury",
)  # fmt: skip

STREET_STEMS: tuple[str, ...] = (
    "Oak", "Ash", "Beech", "Elm", "Hazel", "Willow", "Rowan", "Holly", "Laurel", "Cedar", "Maple",
    "Chestnut", "Sycamore", "Mill", "Church", "Station", "School", "Park", "Orchard", "Meadow",
    "Brook", "Spring", "Well", "Bridge", "Forge", "Chapel", "Manor", "Grange", "Priory", "Abbey",
    "Castle", "Market", "Victoria", "Albert", "Windsor", "Queens", "Kings", "Princess", "Nelson",
    "Wellington", "Milton", "Byron", "Shelley", "Kingfisher", "Heron", "Swallow", "Lark",
    "Plover", "Wren", "Linnet", "Foxglove", "Bluebell", "Primrose", "Clover", "Heather", "Juniper",
    "Hawthorn", "Blackthorn", "Larch", "Poplar", "Alder", "Fern", "Bracken", "Thistle", "Sorrel",
    "Quarry", "Tannery", "Wharf", "Canal", "Lock", "Ferry", "Mount", "Hill", "Vale", "Dale",
    "Glebe", "Paddock", "Pinfold", "Stockwell", "Greenfield", "Highfield", "Westfield",
    "Northfield", "Southfield", "Eastfield", "Fairfield", "Broad", "Long", "Narrow", "Green",
    "Sandy", "Stony", "Cherry", "Plum", "Pear", "Apple", "Damson", "Walnut", "Hornbeam",
)  # fmt: skip

STREET_KINDS: tuple[str, ...] = (
    "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Gardens", "Grove",
    "Place", "Rise", "View", "Walk", "Court", "Terrace",
)  # fmt: skip

PLACE_HEADS: tuple[str, ...] = (
    "Aver", "Brom", "Cald", "Dunn", "Elder", "Fen", "Gorse", "Hals", "Ivel", "Kell", "Lind",
    "Marl", "Nether", "Oster", "Pell", "Quen", "Rad", "Sel", "Thorn", "Ulver", "Wend", "Yarl",
    "Ashen", "Birch", "Cotter", "Dray", "Emble", "Frith", "Gran", "Hather", "Ickle", "Lamb",
)  # fmt: skip

PLACE_TAILS: tuple[str, ...] = (
    "by", "thorpe", "ton", "ley", "well", "field", "worth", "stead", "bridge", "wick", "holme",
    "cote", "hurst", "more", "mere", "wold", "combe", "borough",
)  # fmt: skip

CARE_HOME_STEMS: tuple[str, ...] = (
    "Rosewood", "Meadowbank", "Oakleigh", "The Laurels", "Cedar Lodge", "Willowbrook",
    "Beechcroft", "Highfields", "Hollybank", "Greenacres", "The Elms", "Orchard House",
    "Ashgrove", "Fernlea", "Brookside", "Lavender Court", "Heathcote", "Parkview", "Sunnymead",
    "Woodlands", "Kingfisher House", "Primrose Hill", "Riverside", "The Hawthorns", "Birchwood",
)  # fmt: skip


def given_names(sex: Sex, birth_year: int) -> tuple[str, ...]:
    """The list of given names to draw from for someone of this sex born in this year."""
    if birth_year < 1960:
        era = _BORN_BEFORE_1960
    elif birth_year < 1990:
        era = _BORN_1960_TO_1989
    else:
        era = _BORN_1990_ON
    return era[Sex.MALE] if sex is Sex.MALE else era[Sex.FEMALE]
